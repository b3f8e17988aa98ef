#pragma once
// Debian's libpq-dev puts the client header under /usr/include/postgresql/ (not on the default
// include path); its own includes ("postgres_ext.h") resolve next to it.
#include <postgresql/libpq-fe.h>
