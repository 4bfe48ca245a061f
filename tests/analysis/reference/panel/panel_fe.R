# Reference values for smekit.analysis.panel_fe (tests/analysis/panel/test_panel_fe.py).
# Run from this folder: Rscript panel_fe.R   (R 4.x with plm, sandwich, AER; writes panel_fe.json)
# Data: AER::Grunfeld (Grunfeld 1958; 11 firms x 1935-1954), the same 220 rows statsmodels ships
#       as statsmodels.datasets.grunfeld.
# Model: invest ~ value + capital with firm and year effects (plm "within", effect "twoways").
#
# Cluster-robust SEs by firm in the fixest / reghdfe small-sample convention are computed by hand
# (fixest is not in Debian): V = G/(G-1) * (N-1)/(N-K) * V_HC0cluster, where V_HC0cluster is
# plm::vcovHC(type = "HC0", cluster = "group") (no adjustment) and K counts the slopes plus the
# levels of every fixed effect NOT nested in the cluster (fixest ssc(fixef.K = "nested"),
# pyfixest ssc(k_fixef = "nonnested")): the firm effects are nested in the firm clusters and are
# not counted; the 20 year effects are, so K = 2 + 20 = 22. The t reference has G - 1 = 10 df.
# plm's own "sss" adjustment (K = 2 slopes only) and lm + factor dummies with sandwich::vcovCL
# (every absorbed effect counted, K = 32) are recorded too, to show the conventions' spread.
suppressMessages({library(plm); library(sandwich); library(AER); library(lmtest)})
data("Grunfeld", package = "AER")
N <- nrow(Grunfeld); G <- length(unique(Grunfeld$firm)); Tn <- length(unique(Grunfeld$year))

fits <- list(
  twoways = plm(invest ~ value + capital, data = Grunfeld, index = c("firm", "year"),
                model = "within", effect = "twoways"),
  unit = plm(invest ~ value + capital, data = Grunfeld, index = c("firm", "year"),
             model = "within", effect = "individual"),
  time = plm(invest ~ value + capital, data = Grunfeld, index = c("firm", "year"),
             model = "within", effect = "time")
)
# K of the fixest convention with clusters = firm, per FE structure
K <- c(twoways = 2 + Tn, unit = 2 + 1, time = 2 + Tn)
out <- list(N = N, G = G, T = Tn)
for (fe in names(fits)) {
  f <- fits[[fe]]
  v0 <- vcovHC(f, type = "HC0", cluster = "group")
  vfix <- v0 * G / (G - 1) * (N - 1) / (N - K[[fe]])
  out[[fe]] <- list(
    coef = unname(coef(f)),
    se_classical = unname(sqrt(diag(vcov(f)))),
    df_resid = df.residual(f),
    se_cluster_fixest = unname(sqrt(diag(vfix))),
    K_fixest = K[[fe]],
    p_cluster_fixest = unname(2 * pt(-abs(coef(f) / sqrt(diag(vfix))), df = G - 1)),
    se_cluster_plm_sss = unname(sqrt(diag(vcovHC(f, type = "sss", cluster = "group"))))
  )
}
# no fixed effects: lm, clustered by firm with sandwich::vcovCL (HC1 = G/(G-1) (N-1)/(N-K))
l0 <- lm(invest ~ value + capital, data = Grunfeld)
out$none <- list(
  coef = unname(coef(l0)), se_classical = unname(sqrt(diag(vcov(l0)))),
  df_resid = df.residual(l0),
  se_cluster_fixest = unname(sqrt(diag(vcovCL(l0, cluster = ~firm, type = "HC1")))),
  se_hc1 = unname(sqrt(diag(vcovHC(l0, type = "HC1"))))
)
# dummies for every effect, vcovCL HC1: K counts all 2 + 11 + 19 + 1 = 32 parameters
ld <- lm(invest ~ value + capital + factor(firm) + factor(year), data = Grunfeld)
out$twoways$se_cluster_all_dummies <- unname(
  sqrt(diag(vcovCL(ld, cluster = ~firm, type = "HC1")))[c("value", "capital")])
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "panel_fe.json")
