# test/estserver: rules for this area
