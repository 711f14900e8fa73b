# test/estserver: the test EST CA server (hwe-estserver) and its own tests.
# It links only libcrypto/libssl and pthreads, never lib/libhwe.la.
check_PROGRAMS += test/estserver/hwe-estserver
test_estserver_hwe_estserver_SOURCES = \
	test/estserver/estserver.h \
	test/estserver/main.c \
	test/estserver/conn.c \
	test/estserver/est.c \
	test/estserver/csrattrs.c \
	test/estserver/csrattrs-int.h \
	test/estserver/csrtmpl.c \
	test/estserver/pop.c \
	test/estserver/attest.c \
	test/estserver/pki.c
test_estserver_hwe_estserver_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
test_estserver_hwe_estserver_LDADD = $(CRYPTO_LIBS) $(PTHREAD_LIBS)

# pop-client: makes a CSR carrying its connection's channel binding, which
# curl and `openssl req` cannot (estserver_strict_est.sh)
check_PROGRAMS += test/estserver/pop-client
test_estserver_pop_client_SOURCES = test/estserver/pop-client.c
test_estserver_pop_client_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
test_estserver_pop_client_LDADD = $(CRYPTO_LIBS)

TESTS += \
	test/integration/estserver_pki_est.sh \
	test/integration/estserver_faults.sh \
	test/integration/estserver_tls_strict.sh \
	test/integration/estserver_strict_est.sh
EXTRA_DIST += \
	test/integration/lib-estserver.sh \
	test/integration/estserver_pki_est.sh \
	test/integration/estserver_faults.sh \
	test/integration/estserver_tls_strict.sh \
	test/integration/estserver_strict_est.sh
