# Reference values for smekit.analysis.indices (tests/analysis/panel/test_indices.py).
# Run from this folder: Rscript indices.R   (R 4.x, psych; writes indices.json and two CSVs)
# Data: datasets::attitude (Chatterjee & Price 1977, 30 departments, 7 ratings) and
#       datasets::USArrests (McNeil 1977, 50 US states, 4 variables), both shipped with R.
suppressMessages(library(psych))
write.csv(attitude, "attitude.csv", row.names = FALSE)
ua <- data.frame(state = rownames(USArrests), USArrests, row.names = NULL)
write.csv(ua, "usarrests.csv", row.names = FALSE)

k <- psych::KMO(attitude)
b <- psych::cortest.bartlett(cor(attitude), n = nrow(attitude))
pc <- prcomp(attitude, scale. = TRUE)
eig <- pc$sdev^2

# Entropy weight method written out from its definition (Zou, Yun & Sun 2006), independently
# of the Python code: min-max standardise (reverse for negative indicators), shift s,
# p_ij = x_ij / sum_i x_ij, e_j = -sum_i p_ij log p_ij / log n, w_j = (1 - e_j) / sum(1 - e).
entropy <- function(x, negative, s) {
  z <- sapply(names(x), function(j) {
    v <- x[[j]]
    if (j %in% negative) (max(v) - v) / (max(v) - min(v)) else (v - min(v)) / (max(v) - min(v))
  })
  q <- z + s
  p <- sweep(q, 2, colSums(q), "/")
  plp <- ifelse(p > 0, p * log(p), 0)
  e <- -colSums(plp) / log(nrow(x))
  w <- (1 - e) / sum(1 - e)
  list(entropy = unname(e), weight = unname(w), score = unname(as.vector(z %*% w)))
}
x <- USArrests[, c("Murder", "Assault", "UrbanPop", "Rape")]
e1 <- entropy(x, negative = c("Murder", "Assault", "Rape"), s = 1e-4)
e0 <- entropy(x, negative = character(0), s = 0)

out <- list(
  kmo = unname(k$MSA), msa = unname(k$MSAi),
  bartlett_chi2 = unname(b$chisq), bartlett_df = unname(b$df), bartlett_p = unname(b$p.value),
  eigenvalues = eig,
  entropy_negative_shift = e1, entropy_positive_noshift = e0
)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "indices.json")
