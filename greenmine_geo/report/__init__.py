"""Reports people read: HTML pages assembled from check results."""
