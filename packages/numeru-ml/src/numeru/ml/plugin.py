"""What numeru-ml registers with numeru.core."""

from numeru.core.hookspecs import hookimpl

# Classical models: SVM, neighbours, naive Bayes, preprocessing, pipeline ("module:attr"
# references keep this module cheap to import: nothing heavy loads until a name is used).
CLASSIC_MODELS = {
    "svc": "numeru.ml.svm:SVC",
    "svr": "numeru.ml.svm:SVR",
    "linear_svc": "numeru.ml.svm:LinearSVC",
    "linear_svr": "numeru.ml.svm:LinearSVR",
    "nearest_neighbors": "numeru.ml.neighbors:NearestNeighbors",
    "kneighbors_classifier": "numeru.ml.neighbors:KNeighborsClassifier",
    "kneighbors_regressor": "numeru.ml.neighbors:KNeighborsRegressor",
    "radius_neighbors_classifier": "numeru.ml.neighbors:RadiusNeighborsClassifier",
    "radius_neighbors_regressor": "numeru.ml.neighbors:RadiusNeighborsRegressor",
    "gaussian_nb": "numeru.ml.naive_bayes:GaussianNB",
    "multinomial_nb": "numeru.ml.naive_bayes:MultinomialNB",
    "bernoulli_nb": "numeru.ml.naive_bayes:BernoulliNB",
    "complement_nb": "numeru.ml.naive_bayes:ComplementNB",
    "categorical_nb": "numeru.ml.naive_bayes:CategoricalNB",
    "standard_scaler": "numeru.ml.preprocessing:StandardScaler",
    "min_max_scaler": "numeru.ml.preprocessing:MinMaxScaler",
    "robust_scaler": "numeru.ml.preprocessing:RobustScaler",
    "max_abs_scaler": "numeru.ml.preprocessing:MaxAbsScaler",
    "normalizer": "numeru.ml.preprocessing:Normalizer",
    "one_hot_encoder": "numeru.ml.preprocessing:OneHotEncoder",
    "label_encoder": "numeru.ml.preprocessing:LabelEncoder",
    "polynomial_features": "numeru.ml.preprocessing:PolynomialFeatures",
    "simple_imputer": "numeru.ml.preprocessing:SimpleImputer",
    "pipeline": "numeru.ml.pipeline:Pipeline",
}


# Linear models, optimizers and schedulers (numeru.ml._linear, numeru.ml.optim).
LINEAR_MODELS = {
    "linear_regression": "numeru.ml._linear.api:LinearRegression",
    "ridge": "numeru.ml._linear.api:Ridge",
    "lasso": "numeru.ml._linear.api:Lasso",
    "elastic_net": "numeru.ml._linear.api:ElasticNet",
    "logistic_regression": "numeru.ml._linear.api:LogisticRegression",
    "sgd_regressor": "numeru.ml._linear.api:SGDRegressor",
    "sgd_classifier": "numeru.ml._linear.api:SGDClassifier",
}
OPTIMIZERS = {
    "sgd": "numeru.ml.optim:SGD",
    "adagrad": "numeru.ml.optim:Adagrad",
    "rmsprop": "numeru.ml.optim:RMSprop",
    "adam": "numeru.ml.optim:Adam",
    "adamw": "numeru.ml.optim:AdamW",
    "adamax": "numeru.ml.optim:Adamax",
    "nadam": "numeru.ml.optim:NAdam",
    "lion": "numeru.ml.optim:Lion",
    "lbfgs": "numeru.ml.optim:LBFGS",
}
SCHEDULERS = {
    "step_lr": "numeru.ml.optim.lr_scheduler:StepLR",
    "multi_step_lr": "numeru.ml.optim.lr_scheduler:MultiStepLR",
    "exponential_lr": "numeru.ml.optim.lr_scheduler:ExponentialLR",
    "cosine_annealing_lr": "numeru.ml.optim.lr_scheduler:CosineAnnealingLR",
    "cosine_annealing_warm_restarts": "numeru.ml.optim.lr_scheduler:CosineAnnealingWarmRestarts",
    "one_cycle_lr": "numeru.ml.optim.lr_scheduler:OneCycleLR",
    "linear_warmup": "numeru.ml.optim.lr_scheduler:LinearLR",
    "constant_lr": "numeru.ml.optim.lr_scheduler:ConstantLR",
    "lambda_lr": "numeru.ml.optim.lr_scheduler:LambdaLR",
    "reduce_lr_on_plateau": "numeru.ml.optim.lr_scheduler:ReduceLROnPlateau",
    "chained": "numeru.ml.optim.lr_scheduler:ChainedScheduler",
    "sequential_lr": "numeru.ml.optim.lr_scheduler:SequentialLR",
}


@hookimpl
def register_models(register):
    for name, reference in {**CLASSIC_MODELS, **LINEAR_MODELS}.items():
        register(name, reference)


@hookimpl
def register_optimizers(register):
    for name, reference in OPTIMIZERS.items():
        register(name, reference)


@hookimpl
def register_schedulers(register):
    for name, reference in SCHEDULERS.items():
        register(name, reference)


@hookimpl
def register_commands(register):
    register("train", "numeru.ml.train._cli:COMMAND")


@hookimpl
def register_demos(register):
    register("ml-classic", "numeru.ml._classic_demo:section")
    register("ml", "numeru.ml.demo:section")
