# conf/: sample configuration files.  They are examples, not defaults: they
# go to $(docdir)/examples, so `make install` never overwrites a configured
# /etc/hwenroll; packagers copy them where their policy wants them.
examplesdir = $(docdir)/examples
dist_examples_DATA = conf/sample_est_csr.conf conf/hwenroll.conf conf/hwenroll-pkcs11.cnf
