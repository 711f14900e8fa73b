# conf/: sample configuration files.  They are examples, not defaults: they
# go to $(docdir)/examples, so `make install` never overwrites a configured
# /etc/hwenroll; packagers copy them where their policy wants them.
examplesdir = $(docdir)/examples
dist_examples_DATA = conf/sample_est_csr.conf conf/hwenroll.conf conf/hwenroll-pkcs11.cnf

# systemd units: hwenroll-renew.service (generated: paths) and .timer,
# installed into systemd's unit directory when there is one
# (--with-systemdsystemunitdir, default from systemd's pkg-config)
hwenroll_units = conf/hwenroll-renew.service conf/hwenroll-renew.timer
noinst_DATA += conf/hwenroll-renew.service
EXTRA_DIST += conf/hwenroll-renew.service.in conf/hwenroll-renew.timer
CLEANFILES += conf/hwenroll-renew.service
if HAVE_SYSTEMD
systemdsystemunit_DATA = $(hwenroll_units)
endif
conf/hwenroll-renew.service: $(srcdir)/conf/hwenroll-renew.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@default_keystore[@]|$(default_keystore)|g' \
		$(srcdir)/conf/hwenroll-renew.service.in >$@.tmp && mv $@.tmp $@
