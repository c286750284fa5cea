// Help > About Longview: what it is, its version and how it was built.
#pragma once

#include <QDialog>

namespace lv::ui {

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(QWidget* parent = nullptr);
    static QString version();
    static bool builtWithCuda();
};

} // namespace lv::ui
