# swtpm-fixtures: rules for this area
