"""Preprocessing: scalers, encoders, polynomial features and imputation."""

from ._encoders import LabelEncoder, OneHotEncoder
from ._features import PolynomialFeatures, SimpleImputer
from ._scalers import MaxAbsScaler, MinMaxScaler, Normalizer, RobustScaler, StandardScaler

__all__ = ["LabelEncoder", "MaxAbsScaler", "MinMaxScaler", "Normalizer", "OneHotEncoder",
           "PolynomialFeatures", "RobustScaler", "SimpleImputer", "StandardScaler"]
