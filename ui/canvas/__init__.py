"""The node-graph canvas: a lean QGraphicsScene over the project document."""
