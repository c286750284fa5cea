// Simple syntax colouring for source and text files: which language a file name means
// and, line by line, which spans are keywords, types, strings, comments or numbers.
#pragma once

#include <QString>
#include <QStringView>

#include <vector>

namespace lv::ui {

enum class TokenKind : unsigned char {
    Keyword,
    Type,
    String,
    Comment,
    Number,
    Preprocessor,
    Function,
    Heading,  // Markdown headings, section names of INI/TOML
    Emphasis, // Markdown emphasis, YAML/JSON keys
    Link,
};

struct TokenSpan {
    int start = 0;
    int length = 0;
    TokenKind kind = TokenKind::Keyword;
};

struct LanguageSpec; // the rules of one language (SyntaxRules.cpp)

class SyntaxRules {
public:
    // From a file name ("main.cpp", "CMakeLists.txt", "README.md"); plain text
    // (no colouring) when the name says nothing.
    static SyntaxRules forFileName(const QString& fileName);
    static SyntaxRules plainText();

    QString languageName() const; // "C++", "Python", ..., "Plain text"
    bool isPlainText() const { return spec_ == nullptr; }

    // Spans of one line. state carries multi-line constructs (block comments,
    // triple-quoted strings, code fences) from the previous line; 0 at the start.
    std::vector<TokenSpan> highlightLine(QStringView line, int& state) const;

private:
    explicit SyntaxRules(const LanguageSpec* spec) : spec_(spec) {}
    const LanguageSpec* spec_ = nullptr;
};

} // namespace lv::ui
