"""Data loaders: the victims' training data in the three papers.

Tabular sets of Tramèr et al. (2016), Table 3 (UCI Adult, Mushroom, German credit, Pima
diabetes; scikit-learn's Iris, Digits, Breast Cancer; the synthetic Circles, Moons, Blobs
and 5-Class) come as a :class:`TabularDataset`, prepared as in the paper (rows with missing
values dropped, categorical features one-hot encoded, numeric features scaled to [-1, 1],
a stratified 70/30 split) or raw. Image sets of Jia et al. (2021) and Maini et al. (2021)
(MNIST, Fashion-MNIST, CIFAR-10, CIFAR-100) come as an :class:`ImageDataset` with the
official split.

Threat model: this is the owner's data. The attacker sees none of it unless an attack
says so; what Tramèr et al. assume the API reveals is the feature description
(:attr:`TabularDataset.features`: names, kinds, ranges, categories), which is what
:meth:`TabularDataset.sample_uniform` and R_unif use.

Where the files come from: with the environment variable ``STEALKIT_DATA`` set, from that
folder of offline copies (read only; layout ``uci/adult.data``, ``mnist/*.gz``,
``cifar10/cifar10-jpeg.tar.gz``, ...), and a missing file raises
:class:`DataUnavailableError`. Otherwise each file is downloaded once from its canonical
source, checked against its published checksum where one exists, into :func:`cache_home`.
"""

from stealkit.datasets._fetch import DataUnavailableError, cache_home, data_home
from stealkit.datasets._images import (
    ImageDataset,
    load_cifar10,
    load_cifar100,
    load_fashion_mnist,
    load_mnist,
)
from stealkit.datasets._tabular import (
    Feature,
    TabularDataset,
    load_adult,
    load_blobs,
    load_breast_cancer,
    load_circles,
    load_digits,
    load_five_class,
    load_german_credit,
    load_iris,
    load_moons,
    load_mushroom,
    load_pima_diabetes,
)

__all__ = [
    "Feature",
    "TabularDataset",
    "ImageDataset",
    "DataUnavailableError",
    "data_home",
    "cache_home",
    "load_adult",
    "load_mushroom",
    "load_german_credit",
    "load_pima_diabetes",
    "load_iris",
    "load_digits",
    "load_breast_cancer",
    "load_circles",
    "load_moons",
    "load_blobs",
    "load_five_class",
    "load_mnist",
    "load_fashion_mnist",
    "load_cifar10",
    "load_cifar100",
]
