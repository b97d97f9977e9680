"""The built-in studies, by name. Each ships as ``configs/NAME.toml``."""

from ffnn.experiments.studies.learning_rate import LearningRateStudy
from ffnn.experiments.study import Study

STUDIES: dict[str, type[Study]] = {study.name: study for study in (LearningRateStudy,)}

__all__ = ["STUDIES"]
