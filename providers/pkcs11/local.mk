# providers/pkcs11: rules for this area
