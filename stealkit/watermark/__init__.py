"""Entangled watermarks (Jia et al., USENIX Security 2021): prove ownership of a stolen model.

If stealing cannot be stopped, the owner can at least recognise a stolen
copy. A watermark is a secret behaviour (source-class images with a trigger
are classified as a target class) that the owner plants in its model and
later checks in a suspect. A naive backdoor does not survive extraction; EWE
entangles the watermark with the task so that it does.

Modules: :mod:`~stealkit.watermark.snnl` (the soft nearest-neighbour loss),
:mod:`~stealkit.watermark.models` (the paper's MNIST CNN and its training
loop), :mod:`~stealkit.watermark.embed` (backdoor and EWE),
:mod:`~stealkit.watermark.extraction` (stealing by retraining),
:mod:`~stealkit.watermark.verify` (watermark success, the ownership test of
:mod:`stealkit.stats` on the suspect's answers),
:mod:`~stealkit.watermark.removal` (pruning, fine-pruning, Neural Cleanse),
:mod:`~stealkit.watermark.analysis` (activations and representations),
:mod:`~stealkit.watermark.pretrained` (the notebook's trained suite, shipped
with checksums).
"""

from stealkit.watermark.analysis import (
    activation_patterns,
    representations,
    toy_clusters,
)
from stealkit.watermark.embed import (
    DEFAULT_TRIGGER,
    TriggerSearch,
    Watermark,
    WatermarkedModel,
    fgsm_watermark,
    find_trigger_position,
    train_backdoor_watermark,
    train_ewe,
)
from stealkit.watermark.extraction import Extraction, extract_mnist_copy
from stealkit.watermark.models import (
    LAYERS,
    MnistCNN,
    Training,
    mnist_accuracy,
    mnist_cnn,
    predict,
    predict_proba,
    train_mnist_classifier,
)
from stealkit.watermark.pretrained import (
    ChecksumError,
    Schedule,
    Suite,
    load_suite,
    mnist_split,
    save_suite,
    train_suite,
)
from stealkit.watermark.removal import (
    NeuralCleanse,
    RemovalCurve,
    neural_cleanse,
    prune,
    pruning_curve,
)
from stealkit.watermark.snnl import snnl
from stealkit.watermark.verify import (
    Verification,
    verify_watermark,
    watermark_hits,
    watermark_success,
)

__all__ = [
    "DEFAULT_TRIGGER",
    "LAYERS",
    "ChecksumError",
    "Extraction",
    "MnistCNN",
    "NeuralCleanse",
    "RemovalCurve",
    "Schedule",
    "Suite",
    "Training",
    "TriggerSearch",
    "Verification",
    "Watermark",
    "WatermarkedModel",
    "activation_patterns",
    "extract_mnist_copy",
    "fgsm_watermark",
    "find_trigger_position",
    "load_suite",
    "mnist_accuracy",
    "mnist_cnn",
    "mnist_split",
    "neural_cleanse",
    "predict",
    "predict_proba",
    "prune",
    "pruning_curve",
    "representations",
    "save_suite",
    "snnl",
    "toy_clusters",
    "train_backdoor_watermark",
    "train_mnist_classifier",
    "train_ewe",
    "train_suite",
    "verify_watermark",
    "watermark_hits",
    "watermark_success",
]
