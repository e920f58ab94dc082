#!/usr/bin/perl
# Enable dh_unitgen: `Build-Depends: dh-sequence-unitgen` (or `dh $@ --with unitgen`). After
# dh_installsystemd, so that a package's own services are handled first and the container
# units' snippets come after theirs in postinst (and, reversed, before them in prerm/postrm).

use strict;
use warnings;
use Debian::Debhelper::Dh_Lib;

insert_after('dh_installsystemd', 'dh_unitgen');

1;
