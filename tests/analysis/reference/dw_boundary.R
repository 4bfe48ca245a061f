# Reference values for the exact / approximate switch of the Durbin-Watson p-value.
# lmtest::dwtest uses the exact null distribution (Pan's algorithm) when n < 100 and
# a normal approximation from n = 100 on; the data are deterministic, so Python
# rebuilds them exactly: t = 1..n, x = sin(t), z = cos(0.5 t),
# y = 1 + 0.5 x - 0.3 z + sin(0.8 t) + 0.5 cos(2.9 t).
# Run: Rscript dw_boundary.R   (writes dw_boundary.csv next to this script)
suppressPackageStartupMessages(library(lmtest))
rows <- list()
for (n in c(49, 50, 99, 100, 101)) {
  t <- 1:n
  x <- sin(t); z <- cos(0.5 * t)
  y <- 1 + 0.5 * x - 0.3 * z + sin(0.8 * t) + 0.5 * cos(2.9 * t)
  fit <- lm(y ~ x + z)
  for (exact in c(TRUE, FALSE)) {
    d <- dwtest(fit, exact = exact)
    rows[[length(rows) + 1]] <- data.frame(n = n, exact = exact, dw = unname(d$statistic),
                                           p = d$p.value)
  }
  d <- dwtest(fit)  # the default: exact = (n < 100)
  rows[[length(rows) + 1]] <- data.frame(n = n, exact = NA, dw = unname(d$statistic), p = d$p.value)
}
out <- do.call(rbind, rows)
write.csv(out, "dw_boundary.csv", row.names = FALSE)
cat(sprintf("lmtest %s, R %s\n", packageVersion("lmtest"), getRversion()))
