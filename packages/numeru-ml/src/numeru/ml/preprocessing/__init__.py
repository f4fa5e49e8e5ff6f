"""Preprocessing: scalers, encoders, polynomial features and imputation."""

from ._encoders import LabelEncoder, OneHotEncoder
from ._features import PolynomialFeatures, SimpleImputer
from ._scalers import MinMaxScaler, RobustScaler, StandardScaler

__all__ = ["LabelEncoder", "MinMaxScaler", "OneHotEncoder", "PolynomialFeatures",
           "RobustScaler", "SimpleImputer", "StandardScaler"]
