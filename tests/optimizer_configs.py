"""Optimizer settings shared by the tests of the compiled and the NumPy updates:
each maps ``fused`` (None, True or False) to a fresh optimizer."""

from ffnn.optimizers import SGD, Adam, RMSProp

CONFIGS = {
    "sgd": lambda fused: SGD(0.1, fused=fused),
    "momentum": lambda fused: SGD(0.1, momentum=0.9, fused=fused),
    "nesterov": lambda fused: SGD(0.1, momentum=0.8, nesterov=True, fused=fused),
    "adam": lambda fused: Adam(0.01, fused=fused),
    "adam-betas": lambda fused: Adam(0.05, beta1=0.5, beta2=0.9, fused=fused),
    "rmsprop": lambda fused: RMSProp(0.01, rho=0.7, epsilon=1e-6, fused=fused),
}
