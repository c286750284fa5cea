#include "ui/viewer/SyntaxRules.h"

#include <QFileInfo>
#include <QSet>
#include <QStringList>

#include <initializer_list>

namespace lv::ui {

enum class Family { CLike, Python, Shell, CMake, Markdown, Json, Yaml, Ini, Sql, Markup };

struct LanguageSpec {
    const char* name;
    Family family;
    QStringList lineComments;
    QString blockStart, blockEnd;
    QString quotes; // characters that open a string
    QSet<QString> keywords;
    QSet<QString> types;
    bool hashPreprocessor = false;
    bool caseInsensitive = false;
    bool tripleQuotes = false;       // Python
    bool multilineBackticks = false; // JavaScript templates, Go raw strings
};

namespace {

enum State {
    Normal = 0,
    InBlockComment = 1,
    InTripleDouble = 2,
    InTripleSingle = 3,
    InFence = 4,
    InBacktick = 5
};

QSet<QString> words(const char* list) {
    QSet<QString> out;
    for (const QString& w : QString::fromLatin1(list).split(QLatin1Char(' '), Qt::SkipEmptyParts))
        out.insert(w);
    return out;
}

// The language tables: constant data built once, shared by every file.
const LanguageSpec& spec(const char* name);

const std::vector<LanguageSpec>& languages() {
    static const std::vector<LanguageSpec> all = [] {
        std::vector<LanguageSpec> v;
        const QStringList slashes{QStringLiteral("//")};
        const QStringList hashes{QStringLiteral("#")};
        v.push_back(
            {"C++", Family::CLike, slashes, "/*", "*/", "\"'",
             words("alignas alignof asm auto break case catch class concept const consteval "
                   "constexpr "
                   "constinit const_cast continue co_await co_return co_yield decltype default "
                   "delete do "
                   "dynamic_cast else enum explicit export extern false final for friend goto if "
                   "inline "
                   "mutable namespace new noexcept nullptr operator override private protected "
                   "public "
                   "register reinterpret_cast requires return sizeof static static_assert "
                   "static_cast "
                   "struct switch template this thread_local throw true try typedef typeid "
                   "typename union "
                   "using virtual volatile while __global__ __device__ __host__ __shared__ "
                   "__restrict__ emit signals slots Q_OBJECT"),
             words(
                 "bool char char8_t char16_t char32_t double float int long short signed unsigned "
                 "void wchar_t size_t ssize_t int8_t int16_t int32_t int64_t uint8_t uint16_t "
                 "uint32_t uint64_t std string vector"),
             true});
        v.push_back(
            {"C", Family::CLike, slashes, "/*", "*/", "\"'",
             words("auto break case const continue default do else enum extern for goto if inline "
                   "register restrict return sizeof static struct switch typedef union volatile "
                   "while "
                   "NULL true false"),
             words("bool char double float int long short signed unsigned void size_t FILE "
                   "int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t"),
             true});
        v.push_back(
            {"Rust", Family::CLike, slashes, "/*", "*/", "\"",
             words("as async await break const continue crate dyn else enum extern false fn for if "
                   "impl "
                   "in let loop match mod move mut pub ref return self Self static struct super "
                   "trait "
                   "true type unsafe use where while"),
             words(
                 "bool char f32 f64 i8 i16 i32 i64 i128 isize str u8 u16 u32 u64 u128 usize String "
                 "Vec Option Result Box")});
        v.push_back(
            {"Go", Family::CLike, slashes, "/*", "*/", "\"'`",
             words(
                 "break case chan const continue default defer else fallthrough for func go goto "
                 "if "
                 "import interface map package range return select struct switch type var nil true "
                 "false"),
             words(
                 "bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 "
                 "rune string uint uint8 uint16 uint32 uint64 uintptr any"),
             false, false, false, true});
        v.push_back(
            {"Java", Family::CLike, slashes, "/*", "*/", "\"'",
             words(
                 "abstract assert break case catch class continue default do else enum extends "
                 "final "
                 "finally for if implements import instanceof interface native new package private "
                 "protected public return static super switch synchronized this throw throws try "
                 "volatile while true false null var record"),
             words("boolean byte char double float int long short void String Object")});
        v.push_back(
            {"Kotlin", Family::CLike, slashes, "/*", "*/", "\"'",
             words("as break class continue do else false for fun if in interface is null object "
                   "package return super this throw true try typealias val var when while override "
                   "private public internal data sealed"),
             words("Int Long Double Float Boolean String Unit Any")});
        v.push_back(
            {"C#", Family::CLike, slashes, "/*", "*/", "\"'",
             words(
                 "abstract as base break case catch class const continue default delegate do else "
                 "enum event explicit extern false finally fixed for foreach goto if implicit in "
                 "interface internal is lock namespace new null operator out override params "
                 "private "
                 "protected public readonly ref return sealed sizeof static struct switch this "
                 "throw "
                 "true try typeof unsafe using virtual void volatile while var async await"),
             words("bool byte char decimal double float int long object sbyte short string uint "
                   "ulong "
                   "ushort"),
             true});
        v.push_back(
            {"JavaScript", Family::CLike, slashes, "/*", "*/", "\"'`",
             words("async await break case catch class const continue debugger default delete do "
                   "else "
                   "export extends false finally for function if import in instanceof let new null "
                   "return super switch this throw true try typeof undefined var void while with "
                   "yield "
                   "of from as"),
             words("number string boolean any unknown never object interface type enum readonly "
                   "Promise Array Map Set"),
             false, false, false, true});
        v.push_back({"Swift", Family::CLike, slashes, "/*", "*/", "\"",
                     words("class deinit enum extension func import init let protocol struct "
                           "subscript typealias "
                           "var break case continue default do else fallthrough for guard if in "
                           "repeat return "
                           "switch where while as false is nil self super throw throws true try"),
                     words("Int Double Float Bool String Character Array Dictionary Set")});
        v.push_back({"CSS", Family::CLike, {}, "/*", "*/", "\"'", words("important"), {}});
        v.push_back(
            {"Python",
             Family::Python,
             hashes,
             {},
             {},
             "\"'",
             words(
                 "and as assert async await break class continue def del elif else except finally "
                 "for from global if import in is lambda nonlocal not or pass raise return try "
                 "while "
                 "with yield None True False self match case"),
             words("int float str bytes bool list dict set tuple object type"),
             false,
             false,
             true});
        v.push_back(
            {"Ruby",
             Family::Python,
             hashes,
             "=begin",
             "=end",
             "\"'",
             words(
                 "alias and begin break case class def defined? do else elsif end ensure false for "
                 "if in module next nil not or redo rescue retry return self super then true undef "
                 "unless until when while yield require"),
             {}});
        v.push_back(
            {"Shell",
             Family::Shell,
             hashes,
             {},
             {},
             "\"'",
             words(
                 "if then else elif fi case esac for while until do done in function return local "
                 "export readonly set unset shift exit break continue source echo"),
             {}});
        v.push_back(
            {"CMake",
             Family::CMake,
             hashes,
             {},
             {},
             "\"",
             words(
                 "if elseif else endif foreach endforeach while endwhile function endfunction "
                 "macro "
                 "endmacro return set unset option project add_executable add_library "
                 "add_subdirectory target_link_libraries target_include_directories "
                 "target_compile_definitions target_compile_options target_sources find_package "
                 "include install message list string file configure_file enable_testing add_test "
                 "set_target_properties set_tests_properties cmake_minimum_required "
                 "add_custom_command add_custom_target get_filename_component"),
             words("PUBLIC PRIVATE INTERFACE REQUIRED COMPONENTS STATIC SHARED ON OFF TRUE FALSE "
                   "AND OR "
                   "NOT DEFINED EXISTS"),
             false,
             true});
        v.push_back(
            {"SQL",
             Family::Sql,
             {QStringLiteral("--")},
             "/*",
             "*/",
             "'\"",
             words(
                 "select from where insert into values update set delete create table index view "
                 "drop alter add primary key foreign references on join left right inner outer "
                 "group "
                 "by order having limit offset as and or not null is in exists union all distinct "
                 "begin commit rollback transaction pragma if default unique check trigger"),
             words("integer int text real blob numeric varchar char boolean date timestamp"),
             false,
             true});
        v.push_back({"Markdown", Family::Markdown, {}, {}, {}, {}, {}, {}});
        v.push_back({"JSON", Family::Json, {}, {}, {}, "\"", words("true false null"), {}});
        v.push_back({"YAML",
                     Family::Yaml,
                     hashes,
                     {},
                     {},
                     "\"'",
                     words("true false null yes no on off"),
                     {}});
        v.push_back({"TOML", Family::Ini, hashes, {}, {}, "\"'", words("true false"), {}});
        v.push_back(
            {"INI", Family::Ini, {QStringLiteral(";"), QStringLiteral("#")}, {}, {}, "\"", {}, {}});
        v.push_back({"XML", Family::Markup, {}, "<!--", "-->", "\"'", {}, {}});
        v.push_back({"HTML", Family::Markup, {}, "<!--", "-->", "\"'", {}, {}});
        return v;
    }();
    return all;
}

const LanguageSpec& spec(const char* name) {
    for (const LanguageSpec& s : languages())
        if (qstrcmp(s.name, name) == 0) return s;
    return languages().front();
}

const LanguageSpec* specForSuffix(const QString& suffix) {
    struct Entry {
        std::initializer_list<const char*> suffixes;
        const char* language;
    };
    static const Entry table[] = {
        {{"cpp", "cc", "cxx", "c++", "hpp", "hh", "hxx", "h", "ipp", "inl", "cu", "cuh", "mm",
          "ino"},
         "C++"},
        {{"c"}, "C"},
        {{"rs"}, "Rust"},
        {{"go"}, "Go"},
        {{"java", "scala", "groovy", "gradle"}, "Java"},
        {{"kt", "kts"}, "Kotlin"},
        {{"cs"}, "C#"},
        {{"js", "mjs", "cjs", "jsx", "ts", "tsx", "qml", "dart"}, "JavaScript"},
        {{"swift"}, "Swift"},
        {{"css", "scss", "less"}, "CSS"},
        {{"py", "pyi", "pyw"}, "Python"},
        {{"rb", "rake"}, "Ruby"},
        {{"sh", "bash", "zsh", "ksh", "fish"}, "Shell"},
        {{"cmake"}, "CMake"},
        {{"sql"}, "SQL"},
        {{"md", "markdown", "mdown"}, "Markdown"},
        {{"json", "jsonl", "geojson"}, "JSON"},
        {{"yml", "yaml"}, "YAML"},
        {{"toml"}, "TOML"},
        {{"ini", "cfg", "conf", "desktop", "properties"}, "INI"},
        {{"xml", "svg", "ui", "qrc", "xsd", "plist"}, "XML"},
        {{"html", "htm", "xhtml", "vue"}, "HTML"},
    };
    const QString lower = suffix.toLower();
    for (const Entry& e : table)
        for (const char* s : e.suffixes)
            if (lower == QLatin1String(s)) return &spec(e.language);
    return nullptr;
}

bool isIdentStart(QChar c) {
    return c.isLetter() || c == QLatin1Char('_');
}
bool isIdentPart(QChar c) {
    return c.isLetterOrNumber() || c == QLatin1Char('_');
}

void add(std::vector<TokenSpan>& out, int start, int length, TokenKind kind) {
    if (length > 0) out.push_back({start, length, kind});
}

bool startsWithAt(QStringView line, int i, const QString& token) {
    return !token.isEmpty() && line.mid(i).startsWith(token);
}

// Scans a quoted string from i (the opening quote); returns the index after it.
int scanString(QStringView line, int i, QChar quote, bool escapes) {
    int j = i + 1;
    while (j < line.size()) {
        if (escapes && line[j] == QLatin1Char('\\')) {
            j += 2;
            continue;
        }
        if (line[j] == quote) return j + 1;
        ++j;
    }
    return int(line.size());
}

int scanNumber(QStringView line, int i) {
    int j = i;
    if (line[j] == QLatin1Char('0') && j + 1 < line.size() &&
        (line[j + 1] == QLatin1Char('x') || line[j + 1] == QLatin1Char('X') ||
         line[j + 1] == QLatin1Char('b'))) {
        j += 2;
        while (j < line.size() && (line[j].isLetterOrNumber() || line[j] == QLatin1Char('\'')))
            ++j;
        return j;
    }
    while (j < line.size() && (line[j].isDigit() || line[j] == QLatin1Char('.') ||
                               line[j] == QLatin1Char('_') || line[j] == QLatin1Char('\'') ||
                               line[j] == QLatin1Char('e') || line[j] == QLatin1Char('E')))
        ++j;
    // Type suffixes: 1.0f, 10u, 3ull
    while (j < line.size() && line[j].isLetter() && line[j] != QLatin1Char('e'))
        ++j;
    return j;
}

std::vector<TokenSpan> highlightMarkdown(QStringView line, int& state) {
    std::vector<TokenSpan> out;
    const QStringView trimmed = line.trimmed();
    if (trimmed.startsWith(QLatin1String("```")) || trimmed.startsWith(QLatin1String("~~~"))) {
        state = state == InFence ? Normal : InFence;
        add(out, 0, int(line.size()), TokenKind::Preprocessor);
        return out;
    }
    if (state == InFence) {
        add(out, 0, int(line.size()), TokenKind::String);
        return out;
    }
    if (trimmed.startsWith(QLatin1Char('#'))) {
        add(out, 0, int(line.size()), TokenKind::Heading);
        return out;
    }
    if (trimmed.startsWith(QLatin1Char('>'))) {
        add(out, 0, int(line.size()), TokenKind::Comment);
        return out;
    }
    int i = 0;
    while (i < line.size()) {
        const QChar c = line[i];
        if (c == QLatin1Char('`')) {
            const int end = scanString(line, i, c, false);
            add(out, i, end - i, TokenKind::String);
            i = end;
        } else if ((c == QLatin1Char('*') || c == QLatin1Char('_')) && i + 1 < line.size() &&
                   !line[i + 1].isSpace()) {
            const bool strong = line[i + 1] == c;
            const int open = strong ? 2 : 1;
            const QString closer = strong ? QString(2, c) : QString(c);
            const int end = int(line.mid(i + open).indexOf(closer));
            if (end > 0) {
                add(out, i, open + end + open, TokenKind::Emphasis);
                i += open + end + open;
            } else {
                ++i;
            }
        } else if (c == QLatin1Char('[')) {
            const int close = int(line.mid(i).indexOf(QLatin1String("](")));
            const int paren = close > 0 ? int(line.mid(i + close).indexOf(QLatin1Char(')'))) : -1;
            if (close > 0 && paren > 0) {
                add(out, i, close + paren + 1, TokenKind::Link);
                i += close + paren + 1;
            } else {
                ++i;
            }
        } else {
            ++i;
        }
    }
    return out;
}

} // namespace

SyntaxRules SyntaxRules::forFileName(const QString& fileName) {
    const QFileInfo fi(fileName);
    const QString name = fi.fileName();
    if (name.compare(QLatin1String("CMakeLists.txt"), Qt::CaseInsensitive) == 0)
        return SyntaxRules(&spec("CMake"));
    if (name == QLatin1String("Makefile") || name == QLatin1String("Dockerfile") ||
        name.startsWith(QLatin1String(".bash")) || name == QLatin1String(".profile"))
        return SyntaxRules(&spec("Shell"));
    if (name == QLatin1String(".gitignore") || name == QLatin1String(".clang-format") ||
        name == QLatin1String(".editorconfig"))
        return SyntaxRules(&spec("INI"));
    return SyntaxRules(specForSuffix(fi.suffix()));
}

SyntaxRules SyntaxRules::plainText() {
    return SyntaxRules(nullptr);
}

QString SyntaxRules::languageName() const {
    return spec_ ? QString::fromLatin1(spec_->name) : QObject::tr("Plain text");
}

std::vector<TokenSpan> SyntaxRules::highlightLine(QStringView line, int& state) const {
    std::vector<TokenSpan> out;
    if (!spec_) return out;
    const LanguageSpec& s = *spec_;
    if (s.family == Family::Markdown) return highlightMarkdown(line, state);

    int i = 0;
    const int n = int(line.size());

    // Constructs continued from the previous line.
    if (state == InBlockComment) {
        const int end = int(line.indexOf(s.blockEnd));
        if (end < 0) {
            add(out, 0, n, TokenKind::Comment);
            return out;
        }
        add(out, 0, end + int(s.blockEnd.size()), TokenKind::Comment);
        i = end + int(s.blockEnd.size());
        state = Normal;
    } else if (state == InTripleDouble || state == InTripleSingle) {
        const QString closer =
            state == InTripleDouble ? QStringLiteral("\"\"\"") : QStringLiteral("'''");
        const int end = int(line.indexOf(closer));
        if (end < 0) {
            add(out, 0, n, TokenKind::String);
            return out;
        }
        add(out, 0, end + 3, TokenKind::String);
        i = end + 3;
        state = Normal;
    } else if (state == InBacktick) {
        const int end = int(line.indexOf(QLatin1Char('`')));
        if (end < 0) {
            add(out, 0, n, TokenKind::String);
            return out;
        }
        add(out, 0, end + 1, TokenKind::String);
        i = end + 1;
        state = Normal;
    }

    // Whole-line forms.
    const QStringView trimmed = line.mid(i).trimmed();
    if (s.hashPreprocessor && i == 0 && trimmed.startsWith(QLatin1Char('#'))) {
        const int commentAt = int(line.indexOf(QLatin1String("//")));
        add(out, 0, commentAt > 0 ? commentAt : n, TokenKind::Preprocessor);
        if (commentAt > 0) add(out, commentAt, n - commentAt, TokenKind::Comment);
        return out;
    }
    if (s.family == Family::Ini && i == 0 && trimmed.startsWith(QLatin1Char('['))) {
        add(out, 0, n, TokenKind::Heading);
        return out;
    }

    bool atLineStart = true; // for keys of YAML, INI and TOML
    while (i < n) {
        const QChar c = line[i];
        if (c.isSpace()) {
            ++i;
            continue;
        }
        // Comments.
        bool comment = false;
        for (const QString& lc : s.lineComments) {
            if (startsWithAt(line, i, lc)) {
                // '#' inside a Shell word ("a#b") or a CSS colour is not a comment.
                if (lc == QLatin1String("#") && i > 0 && !line[i - 1].isSpace() &&
                    s.family != Family::Python)
                    break;
                add(out, i, n - i, TokenKind::Comment);
                comment = true;
                break;
            }
        }
        if (comment) return out;
        if (!s.blockStart.isEmpty() && startsWithAt(line, i, s.blockStart)) {
            const int end = int(line.mid(i + s.blockStart.size()).indexOf(s.blockEnd));
            if (end < 0) {
                add(out, i, n - i, TokenKind::Comment);
                state = InBlockComment;
                return out;
            }
            const int len = int(s.blockStart.size()) + end + int(s.blockEnd.size());
            add(out, i, len, TokenKind::Comment);
            i += len;
            continue;
        }
        // Strings.
        if (s.tripleQuotes && (startsWithAt(line, i, QStringLiteral("\"\"\"")) ||
                               startsWithAt(line, i, QStringLiteral("'''")))) {
            const QString q = line.mid(i, 3).toString();
            const int end = int(line.mid(i + 3).indexOf(q));
            if (end < 0) {
                add(out, i, n - i, TokenKind::String);
                state = q.startsWith(QLatin1Char('"')) ? InTripleDouble : InTripleSingle;
                return out;
            }
            add(out, i, end + 6, TokenKind::String);
            i += end + 6;
            continue;
        }
        if (s.quotes.contains(c)) {
            if (c == QLatin1Char('`') && s.multilineBackticks) {
                const int end = int(line.mid(i + 1).indexOf(QLatin1Char('`')));
                if (end < 0) {
                    add(out, i, n - i, TokenKind::String);
                    state = InBacktick;
                    return out;
                }
                add(out, i, end + 2, TokenKind::String);
                i += end + 2;
                continue;
            }
            // Rust lifetimes ('a) and English apostrophes in prose are not strings.
            if (c == QLatin1Char('\'') && s.family == Family::CLike &&
                qstrcmp(s.name, "Rust") == 0) {
                ++i;
                continue;
            }
            const int end = scanString(line, i, c, s.family != Family::Ini);
            // A quoted key ("name": ...) in JSON reads as a key.
            int after = end;
            while (after < n && line[after].isSpace())
                ++after;
            const bool key =
                s.family == Family::Json && after < n && line[after] == QLatin1Char(':');
            add(out, i, end - i, key ? TokenKind::Emphasis : TokenKind::String);
            i = end;
            atLineStart = false;
            continue;
        }
        // Numbers.
        if (c.isDigit() && (i == 0 || !isIdentPart(line[i - 1]))) {
            const int end = scanNumber(line, i);
            add(out, i, end - i, TokenKind::Number);
            i = end;
            atLineStart = false;
            continue;
        }
        // Words.
        if (isIdentStart(c) || (s.family == Family::Shell && c == QLatin1Char('$'))) {
            int j = i + 1;
            while (j < n && (isIdentPart(line[j]) ||
                             (s.family == Family::Yaml && line[j] == QLatin1Char('-'))))
                ++j;
            const QString word = line.mid(i, j - i).toString();
            const QString key = s.caseInsensitive ? word.toLower() : word;
            int k = j;
            while (k < n && line[k] == QLatin1Char(' '))
                ++k;
            if (s.family == Family::Shell && c == QLatin1Char('$')) {
                add(out, i, j - i, TokenKind::Type);
            } else if ((s.family == Family::Yaml || s.family == Family::Ini) && atLineStart &&
                       k < n && (line[k] == QLatin1Char(':') || line[k] == QLatin1Char('='))) {
                add(out, i, j - i, TokenKind::Emphasis);
            } else if (s.keywords.contains(key) ||
                       (s.caseInsensitive && s.keywords.contains(word.toLower()))) {
                add(out, i, j - i, TokenKind::Keyword);
            } else if (s.types.contains(s.caseInsensitive ? word.toUpper() : word) ||
                       s.types.contains(key)) {
                add(out, i, j - i, TokenKind::Type);
            } else if (k < n && line[k] == QLatin1Char('(') && s.family != Family::Yaml &&
                       s.family != Family::Ini && s.family != Family::Json) {
                add(out, i, j - i, TokenKind::Function);
            }
            i = j;
            atLineStart = false;
            continue;
        }
        if (s.family == Family::Markup && c == QLatin1Char('<')) {
            int j = i + 1;
            if (j < n && (line[j] == QLatin1Char('/') || line[j] == QLatin1Char('?') ||
                          line[j] == QLatin1Char('!')))
                ++j;
            while (j < n && (isIdentPart(line[j]) || line[j] == QLatin1Char(':') ||
                             line[j] == QLatin1Char('-')))
                ++j;
            add(out, i, j - i, TokenKind::Keyword);
            i = j;
            continue;
        }
        ++i;
        atLineStart = false;
    }
    return out;
}

} // namespace lv::ui
