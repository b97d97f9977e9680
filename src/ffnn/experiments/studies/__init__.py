"""The built-in studies, by name. Each ships as ``configs/NAME.toml``."""

from ffnn.experiments.studies.batch_size import BatchSizeStudy
from ffnn.experiments.studies.cross_validation import CrossValidationStudy
from ffnn.experiments.studies.depth import DepthStudy
from ffnn.experiments.studies.dropout import DropoutStudy
from ffnn.experiments.studies.hidden_units import HiddenUnitsStudy
from ffnn.experiments.studies.initialisation import InitialisationStudy
from ffnn.experiments.studies.learning_rate import LearningRateStudy
from ffnn.experiments.studies.lr_finder import LRFinderStudy
from ffnn.experiments.studies.regularisation import RegularisationStudy
from ffnn.experiments.study import Study

STUDIES: dict[str, type[Study]] = {
    study.name: study
    for study in (
        LearningRateStudy,
        InitialisationStudy,
        DepthStudy,
        DropoutStudy,
        BatchSizeStudy,
        CrossValidationStudy,
        LRFinderStudy,
        RegularisationStudy,
        HiddenUnitsStudy,
    )
}

__all__ = ["STUDIES"]
