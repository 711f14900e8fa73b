# test/tpm: a probe program that drives the tpm2 key backend directly
# (keygen, load, sign, CSR, libcurl mutual TLS) for test/integration/tpm2_*.sh
check_PROGRAMS += test/tpm/tpm-probe
test_tpm_tpm_probe_SOURCES = test/tpm/tpm-probe.c
test_tpm_tpm_probe_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS)
test_tpm_tpm_probe_LDADD = src/libhwe.la $(CRYPTO_LIBS) $(CURL_LIBS)
EXTRA_DIST += test/tpm/pcap-commands.py

# hwenroll built with HWE_ATTEST_FAULTS: HWE_ATTEST_FAULT=other-key|duplicable|
# bad-signature makes deliberately wrong attestation evidence
# (tpm2_attest_refusals.sh); the installed hwenroll has no such hook
check_PROGRAMS += test/tpm/hwenroll-attest-faults
test_tpm_hwenroll_attest_faults_SOURCES = $(src_hwenroll_SOURCES)
test_tpm_hwenroll_attest_faults_CFLAGS = $(src_hwenroll_CFLAGS) -DHWE_ATTEST_FAULTS
test_tpm_hwenroll_attest_faults_LDADD = $(src_hwenroll_LDADD)
