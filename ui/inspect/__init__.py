"""Look inside the network: layer previews, decision map, filters, failures, Try it (views over
netbuilder.inspect, computed off the GUI and training threads by InspectEngine)."""
