"""Cluster membership, leader assignment and the distributed herder (the distributed issue)."""
