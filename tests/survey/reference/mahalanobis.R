# Reference values for smekit.survey.quality.mahalanobis and the outlier rule.
# Data: R's built-in `attitude` data set (Chatterjee & Price, 1977: 30 departments,
# 7 survey ratings, complete). psych::outlier gives the squared Mahalanobis
# distance of each row from the column means with the sample covariance; the
# p-value is the chi-square tail with as many degrees of freedom as columns.
# Run: Rscript mahalanobis.R   (writes mahalanobis.csv next to this script)
suppressPackageStartupMessages(library(psych))
x <- datasets::attitude
d2 <- psych::outlier(x, plot = FALSE)
k <- ncol(x)
out <- cbind(x, d2 = unname(d2), p = pchisq(d2, df = k, lower.tail = FALSE),
             p_df_minus_1 = pchisq(d2, df = k - 1, lower.tail = FALSE))
write.csv(out, "mahalanobis.csv", row.names = FALSE)
cat(sprintf("psych %s, R %s\n", packageVersion("psych"), getRversion()))
