"""stealkit: the algorithms behind the model-stealing course notebooks."""

from stealkit.oracle import Oracle, QueryBudgetExceeded
from stealkit.remote import HTTPOracle, ServiceError

__version__ = "0.1.0"
__all__ = ["Oracle", "HTTPOracle", "QueryBudgetExceeded", "ServiceError", "__version__"]
