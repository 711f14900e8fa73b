# test/integration: rules for this area
