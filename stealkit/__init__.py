"""stealkit: the algorithms behind the model-stealing course notebooks."""

from stealkit.oracle import Oracle, QueryBudgetExceeded

__version__ = "0.1.0"
__all__ = ["Oracle", "QueryBudgetExceeded", "__version__"]
