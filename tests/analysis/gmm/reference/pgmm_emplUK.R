# Reference values for smekit.analysis.gmm from R plm's pgmm on the Arellano-Bond
# employment data (EmplUK, shipped with plm). Run from this folder:
#   Rscript pgmm_emplUK.R
# Writes emplUK.csv (the data) and pgmm_emplUK.json (coefficients, SEs, tests).
suppressMessages(library(plm))
data("EmplUK", package = "plm")
write.csv(EmplUK[, c("firm", "year", "sector", "emp", "wage", "capital", "output")],
          "emplUK.csv", row.names = FALSE)

G <- function(t) { m <- diag(2, t); for (i in seq_len(t - 1)) { m[i, i + 1] <- -1; m[i + 1, i] <- -1 }; m }

# Sargan (homoskedastic) statistic as smekit defines it: the one-step criterion
# e1'Z (sum_i Z_i'H Z_i)^-1 Z'e1 / s2 with s2 = sum(e1^2) / sum over units of
# trace(H) on the rows used (2 per difference row, 1 per level row).
sargan_h <- function(obj, fit_H) {
  b1 <- if (is.list(obj$coefficients)) obj$coefficients[[1]] else obj$coefficients
  e1 <- lapply(obj$model, function(x) as.vector(x[, 1] - x[, -1, drop = FALSE] %*% b1))
  used <- lapply(obj$model, function(x) apply(x, 1, function(r) any(r != 0)))
  z <- Reduce("+", mapply(function(w, e) crossprod(w, e), obj$W, e1, SIMPLIFY = FALSE))
  A <- Reduce("+", lapply(obj$W, function(w) t(w) %*% fit_H %*% w))
  tr <- sum(unlist(lapply(used, function(u) sum(diag(fit_H)[u]))))
  s2 <- sum(unlist(e1)^2) / tr
  stat <- as.numeric(t(z) %*% MASS::ginv(A) %*% z) / s2
  df <- ncol(obj$W[[1]]) - length(b1)
  list(stat = stat, df = df, p = pchisq(stat, df, lower.tail = FALSE))
}

report <- function(obj, H) {
  s <- summary(obj, robust = TRUE, time.dummies = TRUE)
  sn <- summary(obj, robust = FALSE, time.dummies = TRUE)
  sg <- sargan(obj, "twosteps")
  list(
    coef = as.list(coef(obj)),
    se_robust = as.list(sqrt(diag(vcovHC(obj)))),
    se_nonrobust = as.list(sqrt(diag(vcov(obj)))),
    ar1 = list(z = unname(s$m1$statistic), p = unname(s$m1$p.value)),
    ar2 = list(z = unname(s$m2$statistic), p = unname(s$m2$p.value)),
    hansen = list(stat = unname(sg$statistic), df = unname(sg$parameter), p = unname(sg$p.value)),
    sargan = sargan_h(obj, H),
    n_instruments = ncol(obj$W[[1]]),
    n_units = length(obj$W),
    n_obs_rows = sum(unlist(lapply(obj$model, function(x) sum(apply(x, 1, function(r) any(r != 0))))))
  )
}

FD <- function(t) { m <- diag(1, t)[-1, , drop = FALSE]; for (i in seq_len(t - 1)) m[i, i] <- -1; m }
Hfull <- function(t) rbind(cbind(G(t - 1), FD(t)), cbind(t(FD(t)), diag(1, t)))

out <- list()
# Arellano & Bond (1991), Table 4, column (b); Windmeijer (2005), Table 2
ab.b <- pgmm(log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) +
               lag(log(output), 0:1) | lag(log(emp), 2:99),
             data = EmplUK, effect = "twoways", model = "twosteps")
out$ab_b <- report(ab.b, G(9 - 3))
# Arellano & Bond (1991), Table 4, column (a1): one-step, robust SEs
ab.a1 <- pgmm(log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + lag(log(capital), 0:2) +
                lag(log(output), 0:2) | lag(log(emp), 2:99),
              data = EmplUK, effect = "twoways", model = "onestep")
out$ab_a1 <- report(ab.a1, G(9 - 3))
# Column (b) with collapsed instruments
ab.c <- pgmm(log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) +
               lag(log(output), 0:1) | lag(log(emp), 2:99),
             data = EmplUK, effect = "twoways", model = "twosteps", collapse = TRUE)
out$ab_b_collapse <- report(ab.c, G(9 - 3))
# Blundell & Bond (1998), Table 4 (DPD for Ox p. 12 col. 4): system GMM, one step
bb.4 <- pgmm(log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) |
               lag(log(emp), 2:99) + lag(log(wage), 2:99) + lag(log(capital), 2:99),
             data = EmplUK, effect = "twoways", model = "onestep", transformation = "ld")
out$bb_4 <- report(bb.4, Hfull(9 - 1))
# Same system model, two steps (Windmeijer-corrected SEs)
bb.4t <- pgmm(log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) |
                lag(log(emp), 2:99) + lag(log(wage), 2:99) + lag(log(capital), 2:99),
              data = EmplUK, effect = "twoways", model = "twosteps", transformation = "ld")
out$bb_4_twostep <- report(bb.4t, Hfull(9 - 1))
out$plm_version <- as.character(packageVersion("plm"))
out$r_version <- R.version.string
jsonlite_available <- requireNamespace("jsonlite", quietly = TRUE)
if (jsonlite_available) {
  writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "pgmm_emplUK.json")
} else {
  dput(out, "pgmm_emplUK.dput")
}
