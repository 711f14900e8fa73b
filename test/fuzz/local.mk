# test/fuzz: rules for this area
