"""Hydraulics of the supply network: EPANET 2.2 export, WNTR/EPANET simulation, node pressures.

Pure parts (no Django): roughness.py (Hazen-Williams C by material and age), patterns.py (the
demand pattern of the extended period), inp.py (the .inp writer), simulate.py (WNTR run of a
.inp, also as a bounded subprocess). selectors.py reads the network as a hydraulic model;
services.py runs it and stores the node pressures (docs/hydraulics.md).
"""
