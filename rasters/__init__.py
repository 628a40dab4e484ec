"""Raster layers in use: reads (values, zonal statistics), overlays, terrain on the network, API."""
