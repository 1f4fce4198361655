"""recontap-gen: labelled DNS captures (benign office traffic and reconnaissance) with ground truth."""
