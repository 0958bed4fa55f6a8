"""Look inside a network (no Qt): what each node outputs, what the first layer learned, why the
model decided, and where it fails. The GUI's previews and the `activations`/`explain` commands
are both thin over these functions.

    load_trained(project_path, weights)          -> Trained (project, model, and the data on demand)
    node_outputs(model, project, x, node_ids)    -> {node id: output tensor [N, ...]}
    preview(project, node_id, outputs, sample)   -> Preview (feature maps, dense strip, attention...)
    decision_grid(model, bundle, ...)            -> BoundaryGrid over a two-feature input plane
    first_conv_filters(model, project)           -> the first Conv2d's kernels as images
    attribute(model, x, method=...)              -> attributions shaped like the input (captum)
    misclassified / cell_samples / nearest_confusions / largest_errors -> where it fails
"""

from .activations import InspectError, node_outputs
from .attribution import METHODS, attribute
from .boundary import BoundaryGrid, decision_grid
from .failures import cell_samples, largest_errors, misclassified, nearest_confusions
from .filters import first_conv_filters, histogram_image
from .predict import forward, probabilities
from .previews import Preview, preview, tensor_stats
from .trained import Trained, load_trained

__all__ = ["METHODS", "BoundaryGrid", "InspectError", "Preview", "Trained", "attribute",
           "cell_samples", "decision_grid", "first_conv_filters", "forward", "histogram_image",
           "largest_errors", "load_trained", "misclassified", "nearest_confusions", "node_outputs",
           "preview",
           "probabilities", "tensor_stats"]
