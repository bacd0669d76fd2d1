#pragma once

#include <QString>
#include <QTemporaryDir>

namespace keyward::test {

// A throwaway KEYWARD_HOME: an empty mode-0700 directory that is removed with this object.
class TempHome {
public:
    TempHome();
    bool isValid() const { return m_dir.isValid(); }
    QString path() const { return m_dir.path(); }
    QString filePath(const QString &name) const { return m_dir.filePath(name); }

private:
    QTemporaryDir m_dir;
};

} // namespace keyward::test
