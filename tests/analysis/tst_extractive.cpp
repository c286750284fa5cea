// Sentence splitting and the extractive summary used when no model is configured.

#include "analysis/ExtractiveSummarizer.h"
#include "analysis/SentenceSplitter.h"

#include <QFile>
#include <QtTest>

#include <cctype>
#include <set>

using namespace lv::analysis;

namespace {
std::vector<std::string> sentences(const std::string& text) {
    std::vector<std::string> out;
    for (auto s : splitSentences(text))
        out.push_back(text.substr(s.begin, s.end - s.begin));
    return out;
}

// The GPL-3 text as paragraphs, each citing its line range.
std::vector<SourceUnit> gplParagraphs() {
    QFile f("/usr/share/common-licenses/GPL-3");
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
    std::vector<SourceUnit> units;
    QStringList para;
    int start = 0;
    for (int i = 0; i <= lines.size(); ++i) {
        const bool blank = i == lines.size() || lines[i].trimmed().isEmpty();
        if (blank) {
            if (!para.isEmpty()) {
                SourceUnit u;
                u.text = para.join('\n').toStdString();
                u.citation.lineStart = start + 1;
                u.citation.lineEnd = i;
                u.citation.label = "GPL-3:" + std::to_string(start + 1);
                units.push_back(u);
                para.clear();
            }
        } else {
            if (para.isEmpty()) start = i;
            para << lines[i];
        }
    }
    return units;
}
} // namespace

class ExtractiveTest : public QObject {
    Q_OBJECT
private slots:
    void splitsOnSentenceEnds() {
        const auto s = sentences("The Licensee shall pay. The Licensor may refuse! Why? Done.");
        QCOMPARE(s.size(), std::size_t(4));
        QCOMPARE(QString::fromStdString(s[1]), QString("The Licensor may refuse!"));
    }

    void keepsAbbreviationsNumbersAndInitials() {
        const auto s = sentences("See Art. 5 and Sec. 3.2 of the Act, e.g. the rules in No. 7 by "
                                 "J. Smith et al. apply. Version 1.2 is final.");
        QCOMPARE(s.size(), std::size_t(2));
        QVERIFY(QString::fromStdString(s[0]).endsWith("apply."));
    }

    void paragraphsAndHeadingsEndSentences() {
        const auto s = sentences("Definitions\nThe term Agreement means this text\n\nNext part "
                                 "starts here");
        QCOMPARE(s.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(s[0]), QString("Definitions"));
        // A sentence that starts inside a line is no heading however short its part of it:
        // "Pyenv" on the next line is a name, not a new sentence.
        const auto wrapped = sentences("It is required with tools like tox. For example, to "
                                       "instruct\nPyenv to use your system Python, run it.");
        QCOMPARE(wrapped.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(wrapped[1]),
                 QString("For example, to instruct\nPyenv to use your system Python, run it."));
    }

    void wordTokensDropStopWords() {
        const auto w = wordTokens("The Licensee SHALL pay the fee, in 2 parts.");
        QCOMPARE(w, (std::vector<std::string>{"licensee", "pay", "fee", "2", "parts"}));
    }

    void emptyInputGivesEmptySummary() {
        QVERIFY(extractSummary({}).empty());
        QVERIFY(extractSummary({SourceUnit{{}, "   \n\n"}}).empty());
    }

    void summarizesGpl3InDocumentOrderWithCorrectCitations() {
        const auto units = gplParagraphs();
        if (units.empty()) QSKIP("/usr/share/common-licenses/GPL-3 is not installed");
        const auto summary = extractSummary(units);
        QVERIFY(summary.size() >= 5);
        QVERIFY(summary.size() <= 15);
        std::size_t words = 0;
        for (std::size_t i = 0; i < summary.size(); ++i) {
            if (i > 0) QVERIFY(summary[i - 1].unit <= summary[i].unit);
            // Every sentence is quoted from the unit its citation names.
            const std::string& unitText = units[summary[i].unit].text;
            std::string flat;
            for (char c : unitText)
                flat.push_back(c == '\n' ? ' ' : c);
            QVERIFY2(flat.find(summary[i].text.substr(0, 30)) != std::string::npos,
                     summary[i].text.c_str());
            words += std::count(summary[i].text.begin(), summary[i].text.end(), ' ') + 1;
        }
        QVERIFY(words <= 420);
        // The licence is about freedom to share and change software: a central
        // sentence must say so.
        bool mentionsFreedom = false;
        for (const auto& s : summary)
            mentionsFreedom |=
                QString::fromStdString(s.text).contains("freedom", Qt::CaseInsensitive);
        QVERIFY(mentionsFreedom);
    }

    void redundantSentencesAreNotRepeated() {
        std::vector<SourceUnit> units;
        for (int i = 0; i < 10; ++i)
            units.push_back({{},
                             "The supplier shall deliver the goods to the buyer within "
                             "thirty days of the order."});
        units.push_back({{},
                         "Payment is due on receipt of the invoice by the buyer's "
                         "accounting department."});
        const auto summary = extractSummary(units);
        int deliveries = 0;
        for (const auto& s : summary)
            deliveries += s.text.find("deliver") != std::string::npos;
        QCOMPARE(deliveries, 1);
    }

    // A README's code blocks, tables and headings are not what summarizes it, even where
    // they rank high (fenced code inside a list item is body text to the segmenter).
    void codeTablesAndHeadingsAreNoSummarySentences() {
        std::vector<SourceUnit> units;
        const std::string install = "Install the version manager with the package manager of "
                                    "your system and restart the shell afterwards.";
        units.push_back({{}, "Installing the version manager and the shell setup", "heading"});
        for (int i = 0; i < 4; ++i) {
            units.push_back(
                {{},
                 "brew install the version manager and restart the shell for the shell setup",
                 "code"});
            units.push_back({{},
                             "1. Install it: ```sh brew install the version manager and "
                             "restart the shell for the setup ```"});
            units.push_back({{}, "| version manager | shell setup | install | restart |", "table"});
        }
        units.push_back({{}, install});
        units.push_back({{},
                         "The version manager lets you switch between several versions of "
                         "the interpreter for each project in the shell."});
        const auto summary = extractSummary(units);
        QVERIFY(!summary.empty());
        for (const auto& s : summary) {
            QCOMPARE(units[s.unit].role, std::string("body"));
            QVERIFY2(s.text.find("```") == std::string::npos, s.text.c_str());
        }
        // Sentences too short to look like prose: the best-ranked of the body's all the same,
        // never the code or the table beside them.
        const std::vector<SourceUnit> terse = {
            {{}, "Setup", "heading"},
            {{}, "Build the tool from its sources first."},
            {{}, "make install PREFIX=/usr/local && make check", "code"},
            {{}, "| option | default |\n| PREFIX | /usr/local |", "table"},
            {{}, "Run the checks after every build."}};
        const auto fallback = extractSummary(terse);
        QVERIFY(!fallback.empty());
        for (const auto& s : fallback)
            QCOMPARE(terse[s.unit].role, std::string("body"));
        // A run of words without punctuation is no sentence at all: nothing is picked (the
        // service then says so and quotes the opening).
        std::string dump;
        for (int i = 0; i < 3000; ++i)
            dump += "word" + std::to_string(i % 17) + " ";
        QVERIFY(extractSummary({SourceUnit{{}, dump}}).empty());
    }

    // Lead-ins to an example or a list, contents entries, fragments and footnotes say nothing
    // on their own.
    void leadInsContentsFragmentsAndFootnotesAreNoSummarySentences() {
        std::vector<SourceUnit> units;
        for (int i = 0; i < 3; ++i) {
            units.push_back({{},
                             "Here is some example output of the memory checker with the "
                             "number of callers set to ten:"});
            units.push_back({{},
                             "4.4. Writing suppression files for the memory checker of the "
                             "tool ........................ 73"});
            units.push_back({{},
                             "4.5. Suppressing errors of the memory checker in the tool . . . "
                             ". . . . . . . . . . 75"});
            // Fragments: a title's second line, a point finishing the sentence before it.
            units.push_back({{},
                             "of 12 June 2024 on the memory checker of the tool and amending "
                             "the rules of the checker"});
            units.push_back({{},
                             "(i) its memory checker reports reads of the freed memory of the "
                             "tool;"});
            // A footnote: a reference, not what the text says.
            units.push_back({{},
                             "(5) Directive 2022/2556 of the memory checker of the tool, OJ L "
                             "333, 27.12.2022.",
                             "footnote"});
        }
        units.push_back({{},
                         "The memory checker reports reads of memory that the program has "
                         "already freed, with the stack of the free."});
        const auto summary = extractSummary(units);
        QVERIFY(!summary.empty());
        for (const auto& s : summary)
            QCOMPARE(s.unit, units.size() - 1);
    }

    // Sentences may open with a name written in lower case ("rg", "systemd", "npm"): they
    // are no fragments, which open with a word that carries on a sentence ("of", "its").
    void sentencesOpeningWithLowerCaseNamesAreSummarized() {
        const std::vector<SourceUnit> units = {
            {{}, "Search tool notes"},
            {{},
             "rg is a line-oriented search tool that recursively searches the current "
             "directory for a regex pattern."},
            {{},
             "rg respects the ignore files of the repository and skips hidden files and "
             "binary files while it searches."},
            {{},
             "ripgrep supports searching files in compressed formats and in many text "
             "encodings besides the default one."},
            {{},
             "rg uses a finite automaton regex engine and parallel directory traversal, so "
             "its searches are fast."},
            {{},
             "npm packages of the search tool are published from the pipeline after every "
             "tagged release."},
            {{},
             "The manual page of the search tool lists every option with a short "
             "description."}};
        const auto summary = extractSummary(units, {3, 400});
        QCOMPARE(summary.size(), std::size_t(3));
        int lower = 0;
        for (const auto& s : summary)
            lower += std::islower(static_cast<unsigned char>(s.text.front())) != 0;
        QVERIFY(lower >= 2);
    }

    // Where no sentence reads as prose (a codebase: all code), the best-ranked lines stand
    // in; a line that comes back in every file (a licence notice) is given once.
    void fallbackLinesAreNotRepeated() {
        std::vector<SourceUnit> units;
        for (int i = 0; i < 6; ++i) {
            units.push_back(
                {{}, "# Copyright (C) 2020 The Example Authors. All rights reserved.", "code"});
            units.push_back(
                {{}, "def handler_" + std::to_string(i) + "(request, response, context):", "code"});
        }
        const auto summary = extractSummary(units);
        QVERIFY(!summary.empty());
        std::set<std::string> texts;
        for (const auto& s : summary)
            QVERIFY2(texts.insert(s.text).second, s.text.c_str());
    }
};

QTEST_GUILESS_MAIN(ExtractiveTest)
#include "tst_extractive.moc"
