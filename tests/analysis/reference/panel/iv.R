# Reference values for smekit.analysis.iv (tests/analysis/panel/test_iv.py).
# Run from this folder: Rscript iv.R   (R 4.x with AER, sandwich, lmtest; writes iv.json and
# cigarettes_sw.csv)
# Data: AER::CigarettesSW, the cigarette-consumption panel of Stock & Watson (2007),
#       *Introduction to Econometrics* (2nd ed.), ch. 12 (48 US states, 1985 and 1995); the 1995
#       cross-section with real prices and income, as in AER's ?CigarettesSW example.
# Model (Stock & Watson eq. 12.15-12.16; AER example):
#   log(packs) ~ log(rincome) | log(rprice) ~ tdiff + rtax   (rtax = tax / cpi, tdiff = (taxs - tax) / cpi)
suppressMessages({library(AER); library(sandwich); library(lmtest)})
data("CigarettesSW", package = "AER")
d <- subset(CigarettesSW, year == "1995")
d <- transform(d, rprice = price / cpi, rincome = income / population / cpi,
               tdiff = (taxs - tax) / cpi, rtax = tax / cpi)
d <- data.frame(state = d$state, lpacks = log(d$packs), lrprice = log(d$rprice),
                lrincome = log(d$rincome), tdiff = d$tdiff, rtax = d$rtax)
write.csv(d, "cigarettes_sw.csv", row.names = FALSE)
N <- nrow(d)

fit <- ivreg(lpacks ~ lrincome + lrprice | lrincome + tdiff + rtax, data = d)
s <- summary(fit, diagnostics = TRUE)
sr <- summary(fit, vcov = sandwich::vcovHC(fit, type = "HC1"), diagnostics = TRUE)
fs <- lm(lrprice ~ lrincome + tdiff + rtax, data = d)
fs0 <- lm(lrprice ~ lrincome, data = d)
# first-stage F on the excluded instruments: classical and HC1 (the robust Wald F)
F_classical <- anova(fs0, fs)$F[2]
F_hc1 <- waldtest(fs, fs0, vcov = vcovHC(fs, type = "HC1"), test = "F")$F[2]
partial_r2 <- 1 - sum(resid(fs)^2) / sum(resid(fs0)^2)
# canonical correlation of the partialled endogenous regressor and instruments (Anderson 1951)
ry <- resid(lm(lrprice ~ lrincome, data = d))
rz <- resid(lm(cbind(tdiff, rtax) ~ lrincome, data = d))
cc2 <- cancor(ry, rz, xcenter = FALSE, ycenter = FALSE)$cor^2
L <- 4; L2 <- 2  # instruments incl. the constant and lrincome; excluded ones
# Sargan N R^2 of the 2SLS residuals on all instruments
u <- resid(fit)
sargan <- N * summary(lm(u ~ lrincome + tdiff + rtax, data = d))$r.squared

# two endogenous regressors (lrprice and lrincome), three instruments (tdiff, rtax, rtax^2):
# Cragg-Donald by canonical correlations, written out in R
d$rtax2 <- d$rtax^2
Y2 <- cbind(d$lrprice, d$lrincome); Z2 <- cbind(d$tdiff, d$rtax, d$rtax2)
cc2b <- cancor(Y2, Z2)$cor^2
fit2 <- ivreg(lpacks ~ lrprice + lrincome | tdiff + rtax + rtax2, data = d)

out <- list(
  N = N,
  coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
  se_hc1 = unname(sqrt(diag(sandwich::vcovHC(fit, type = "HC1")))),
  df_resid = df.residual(fit),
  weak_F = unname(s$diagnostics["Weak instruments", "statistic"]),
  weak_F_hc1 = unname(sr$diagnostics["Weak instruments", "statistic"]),
  wu_hausman = unname(s$diagnostics["Wu-Hausman", "statistic"]),
  sargan_aer = unname(s$diagnostics["Sargan", "statistic"]),
  sargan_p_aer = unname(s$diagnostics["Sargan", "p-value"]),
  F_classical = F_classical, F_hc1 = F_hc1, partial_r2 = partial_r2,
  cc2 = cc2, anderson_lm = N * min(cc2), cragg_donald_f = (N - L) / L2 * min(cc2) / (1 - min(cc2)),
  sargan = sargan,
  two_endog = list(coef = unname(coef(fit2)), se = unname(sqrt(diag(vcov(fit2)))),
                   cc2 = cc2b, anderson_lm = N * min(cc2b),
                   cragg_donald_f = (N - 4) / 3 * min(cc2b) / (1 - min(cc2b)))
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "iv.json")
