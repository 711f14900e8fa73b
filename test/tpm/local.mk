# test/tpm: a probe program that drives the tpm2 key backend directly
# (keygen, load, sign, CSR, libcurl mutual TLS) for test/integration/tpm2_*.sh
check_PROGRAMS += test/tpm/tpm-probe
test_tpm_tpm_probe_SOURCES = test/tpm/tpm-probe.c
test_tpm_tpm_probe_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS)
test_tpm_tpm_probe_LDADD = lib/libhwe.la $(CRYPTO_LIBS) $(CURL_LIBS)
EXTRA_DIST += test/tpm/pcap-commands.py
# an LD_PRELOAD shim: tpm2-openssl's error text without the decoded TPM code
check_LTLIBRARIES += test/tpm/rc-nodecode.la
test_tpm_rc_nodecode_la_SOURCES = test/tpm/rc-nodecode.c
test_tpm_rc_nodecode_la_CFLAGS = $(AM_CFLAGS) $(TCTILDR_CFLAGS)
test_tpm_rc_nodecode_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# hwenroll built with HWE_ATTEST_FAULTS: HWE_ATTEST_FAULT=other-key|duplicable|
# bad-signature makes deliberately wrong attestation evidence
# (tpm2_attest_refusals.sh); the installed hwenroll has no such hook
check_PROGRAMS += test/tpm/hwenroll-attest-faults
# (its own lib/attest.c object: the linker then takes none from libhwe's archive)
test_tpm_hwenroll_attest_faults_SOURCES = $(src_hwenroll_SOURCES) lib/attest.c
test_tpm_hwenroll_attest_faults_CPPFLAGS = $(AM_CPPFLAGS) -DHWE_ATTEST_FAULTS
test_tpm_hwenroll_attest_faults_CFLAGS = $(src_hwenroll_CFLAGS)
test_tpm_hwenroll_attest_faults_LDADD = $(src_hwenroll_LDADD)
