# swtpm-fixtures: start/stop a private swtpm (+ tpm2-abrmd on a private
# session bus) and provision the persistent parent key; used by the tests
# and the README demo.
dist_noinst_SCRIPTS += swtpm-fixtures/tpm-start swtpm-fixtures/tpm-stop
EXTRA_DIST += swtpm-fixtures/test-lib.sh
