# Reference values for smekit.analysis.did and smekit.analysis.did_cs
# (tests/analysis/did/test_did_reference.py). Run from this folder: Rscript did_reference.R
# Writes did_panel.csv (the data) and did_reference.json.
#
# Data: a staggered-adoption panel simulated here (set.seed(20240611)): 60 units x periods
# 1..8, cohorts 4 (15 units) and 6 (15 units), 30 never treated; effect 0.5 + 0.2 (t - g)
# on the treated; one control x. Five rows are deleted (unbalanced panel).
#
# TWFE DiD and event study: plm "within", effect "twoways". Clustered SEs by unit in the
# fixest / reghdfe convention by hand (fixest is not in Debian): V = G/(G-1) (N-1)/(N-K) V_HC0,
# V_HC0 = plm::vcovHC(type = "HC0", cluster = "group"), K = slopes + the T period effects
# (unit effects are nested in the clusters and not counted); t and F refer to G - 1 df.
# Pre-trend test: Wald F = b' V^-1 b / q on the leads e <= -2, F(q, G - 1).
#
# Callaway-Sant'Anna (the R did package is not in Debian): ATT(g, t) computed by hand from
# group means of Y_t - Y_b on the balanced panel (b = g - 1 for t >= g, b = t - 1 before),
# never-treated comparison units, and the influence-function SE
# psi_i = n/n_g 1{G=g}(dY - mu_g) - n/n_C 1{C}(dY - mu_C), se = sqrt(sum psi^2)/n.
suppressMessages({library(plm); library(sandwich)})
set.seed(20240611)
n <- 60; Tn <- 8
g <- c(rep(4, 15), rep(6, 15), rep(0, 30))
d <- expand.grid(t = 1:Tn, id = 1:n)[, c("id", "t")]
d$g <- g[d$id]
a <- rnorm(n, 0, 1); l <- cumsum(rnorm(Tn, 0.1, 0.2))
d$x <- rnorm(nrow(d)) + 0.1 * d$t
d$D <- as.integer(d$g > 0 & d$t >= d$g)
te <- ifelse(d$D == 1, 0.5 + 0.2 * (d$t - d$g), 0)
d$y <- a[d$id] + l[d$t] + 0.3 * d$x + te + rnorm(nrow(d), 0, 0.5)
full <- d
drop <- c(7, 100, 213, 300, 455)
d <- d[-drop, ]
write.csv(full, "did_panel.csv", row.names = FALSE)

fixest_vcov <- function(f, data, k) {
  N <- nrow(data); G <- length(unique(data$id)); K <- k + length(unique(data$t))
  vcovHC(f, type = "HC0", cluster = "group") * G / (G - 1) * (N - 1) / (N - K)
}
out <- list(dropped_rows = drop)
f <- plm(y ~ D + x, data = d, index = c("id", "t"), model = "within", effect = "twoways")
V <- fixest_vcov(f, d, 2)
out$twfe <- list(coef = as.list(coef(f)), se = as.list(sqrt(diag(V))), nobs = nrow(d),
                 G = length(unique(d$id)))

# event study: all leads and lags, reference -1
d$rel <- ifelse(d$g > 0, d$t - d$g, NA)
rels <- sort(unique(na.omit(d$rel)))
rels <- rels[rels != -1]
nm <- c()
for (e in rels) {
  v <- paste0("ev", ifelse(e < 0, "m", "p"), abs(e))
  d[[v]] <- as.integer(!is.na(d$rel) & d$rel == e)
  nm <- c(nm, v)
}
fe <- plm(as.formula(paste("y ~", paste(c(nm, "x"), collapse = " + "))), data = d,
          index = c("id", "t"), model = "within", effect = "twoways")
Ve <- fixest_vcov(fe, d, length(nm) + 1)
leads <- nm[rels <= -2]
b <- coef(fe)[leads]; Vl <- Ve[leads, leads]
Fst <- as.numeric(t(b) %*% solve(Vl) %*% b) / length(leads)
G <- length(unique(d$id))
out$event <- list(rel = rels, coef = unname(coef(fe)[nm]), se = unname(sqrt(diag(Ve))[nm]),
                  pretrend = list(f = Fst, df_num = length(leads), df_denom = G - 1,
                                  p = pf(Fst, length(leads), G - 1, lower.tail = FALSE)))

# Callaway-Sant'Anna by hand on the balanced panel
Y <- matrix(full$y, nrow = n, byrow = TRUE)
att <- list()
for (gg in c(4, 6)) for (tt in 2:Tn) {
  b <- if (tt >= gg) gg - 1 else tt - 1
  dy <- Y[, tt] - Y[, b]
  ig <- g == gg; ic <- g == 0
  mg <- mean(dy[ig]); mc <- mean(dy[ic])
  psi <- ifelse(ig, n / sum(ig) * (dy - mg), 0) - ifelse(ic, n / sum(ic) * (dy - mc), 0)
  att[[length(att) + 1]] <- list(group = gg, time = tt, att = mg - mc, se = sqrt(sum(psi^2)) / n)
}
out$cs_att_gt <- att
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "did_reference.json")
