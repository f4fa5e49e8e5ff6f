"""Linear models (scikit-learn API): least squares, ridge, lasso/elastic net, logistic, SGD."""
