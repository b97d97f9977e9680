"""scikit-learn's estimator checks on both estimators, one test per check.

The estimators keep their default parameters (the checks' data sets are small
enough that 200 iterations take milliseconds, the whole module about 2 s);
``random_state=0`` makes every fit repeatable where a check does not set the
seed itself.
No check is expected to fail; ``check_array_api_input`` skips itself unless
``SCIPY_ARRAY_API`` is set, and the estimators do not support the array API
anyway.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from ffnn import FeedforwardClassifier, FeedforwardRegressor

# the default max_iter does not converge on every check's data; that is no
# failure of the check
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [FeedforwardClassifier(random_state=0), FeedforwardRegressor(random_state=0)]
)
def test_estimator_check(estimator, check):
    check(estimator)
