# man/: scdoc sources; the generated roff is shipped in the tarball so
# building from a release does not need scdoc.
MAN_SCD = man/hwenroll.1.scd man/hwenroll-csr.conf.5.scd man/hwenroll-pkcs11.7.scd
dist_man_MANS += man/hwenroll.1 man/hwenroll-csr.conf.5 man/hwenroll-pkcs11.7
EXTRA_DIST += $(MAN_SCD)
if HAVE_SCDOC
man/hwenroll.1: man/hwenroll.1.scd
	$(AM_V_GEN)$(MKDIR_P) man && $(SCDOC) < $(srcdir)/man/hwenroll.1.scd > $@
man/hwenroll-csr.conf.5: man/hwenroll-csr.conf.5.scd
	$(AM_V_GEN)$(MKDIR_P) man && $(SCDOC) < $(srcdir)/man/hwenroll-csr.conf.5.scd > $@
man/hwenroll-pkcs11.7: man/hwenroll-pkcs11.7.scd
	$(AM_V_GEN)$(MKDIR_P) man && $(SCDOC) < $(srcdir)/man/hwenroll-pkcs11.7.scd > $@
endif
