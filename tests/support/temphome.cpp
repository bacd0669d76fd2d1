#include "support/temphome.h"

#include <QFile>

namespace keyward::test {

TempHome::TempHome()
{
    if (m_dir.isValid())
        QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

} // namespace keyward::test
