// Built-in chat templates against what each family's real Jinja
// chat_template (tokenizer_config.json) renders, as transformers runs it
// (trim_blocks, lstrip_blocks), without tools or documents. The expected
// strings were rendered by hand from these templates:
//   Granite 4:  ibm-granite/granite-4.0-h-* (default system message when none)
//   Falcon-H1:  tiiuae/Falcon-H1-*-Instruct ({{bos_token}} + a ChatML body)
//   Nemotron-H: nvidia/NVIDIA-Nemotron-Nano-9B-v2 (/think, /no_think; final
//               assistant turn after the thinking marker)
//   Llama 3:    meta-llama/Meta-Llama-3-8B-Instruct
//   Llama 3.1:  meta-llama/Llama-3.1-8B-Instruct (date_string "26 Jul 2024")
//   ChatML:     <|im_start|>role\ncontent<|im_end|>\n
// and checked by rendering the same Jinja sources with jinja2.

#include "tokenizer/ChatTemplate.h"
#include "tokenizer/Tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

Q_DECLARE_METATYPE(lv::ChatFormat)

namespace {

const std::vector<lv::ChatMessage> kConversation = {
    {"system", "You are a careful reader."},
    {"user", "What is the notice period? "},
    {"assistant", " Thirty days, see clause 4.\n"},
};

// No system message, a thinking trace in the middle, /no_think at the end.
const std::vector<lv::ChatMessage> kSecondConversation = {
    {"user", "Hi"},
    {"assistant", "<think>plan</think> Hello!"},
    {"user", "Summarize. /no_think"},
};

const std::string kBos = "<|begin_of_text|>";

void write(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << text;
}

} // namespace

class ChatTemplateTest : public QObject {
    Q_OBJECT
private slots:
    void systemUserAssistant_data() {
        QTest::addColumn<lv::ChatFormat>("format");
        QTest::addColumn<QString>("full");       // the whole conversation
        QTest::addColumn<QString>("generation"); // system + user, generation prompt
        QTest::newRow("granite4")
            << lv::ChatFormat::Granite4
            << "<|start_of_role|>system<|end_of_role|>You are a careful reader.<|end_of_text|>\n"
               "<|start_of_role|>user<|end_of_role|>What is the notice period? <|end_of_text|>\n"
               "<|start_of_role|>assistant<|end_of_role|> Thirty days, see clause "
               "4.\n<|end_of_text|>\n"
            << "<|start_of_role|>system<|end_of_role|>You are a careful reader.<|end_of_text|>\n"
               "<|start_of_role|>user<|end_of_role|>What is the notice period? <|end_of_text|>\n"
               "<|start_of_role|>assistant<|end_of_role|>";
        QTest::newRow("falcon-h1")
            << lv::ChatFormat::FalconH1
            << "<|begin_of_text|><|im_start|>system\nYou are a careful reader.<|im_end|>\n"
               "<|im_start|>user\nWhat is the notice period? <|im_end|>\n"
               "<|im_start|>assistant\n Thirty days, see clause 4.\n<|im_end|>\n"
            << "<|begin_of_text|><|im_start|>system\nYou are a careful reader.<|im_end|>\n"
               "<|im_start|>user\nWhat is the notice period? <|im_end|>\n<|im_start|>assistant\n";
        QTest::newRow("nemotron-h")
            << lv::ChatFormat::NemotronH
            << "<SPECIAL_10>System\nYou are a careful reader.\n<SPECIAL_11>User\nWhat is the "
               "notice "
               "period?\n<SPECIAL_11>Assistant\n<think>\nThirty days, see clause 4.\n<SPECIAL_12>\n"
            << "<SPECIAL_10>System\nYou are a careful reader.\n<SPECIAL_11>User\nWhat is the "
               "notice "
               "period?\n<SPECIAL_11>Assistant\n<think>\n";
        QTest::newRow("llama3")
            << lv::ChatFormat::Llama3
            << "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a careful "
               "reader.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is the notice "
               "period?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nThirty days, see "
               "clause 4.<|eot_id|>"
            << "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a careful "
               "reader.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is the notice "
               "period?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        QTest::newRow("llama3.1")
            << lv::ChatFormat::Llama31
            << "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge "
               "Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a careful "
               "reader.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is the notice "
               "period?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nThirty days, see "
               "clause 4.<|eot_id|>"
            << "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge "
               "Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a careful "
               "reader.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is the notice "
               "period?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        QTest::newRow("chatml")
            << lv::ChatFormat::ChatML
            << "<|im_start|>system\nYou are a careful reader.<|im_end|>\n<|im_start|>user\nWhat is "
               "the notice period? <|im_end|>\n<|im_start|>assistant\n Thirty days, see clause "
               "4.\n<|im_end|>\n"
            << "<|im_start|>system\nYou are a careful reader.<|im_end|>\n<|im_start|>user\nWhat is "
               "the notice period? <|im_end|>\n<|im_start|>assistant\n";
    }
    void systemUserAssistant() {
        QFETCH(lv::ChatFormat, format);
        QFETCH(QString, full);
        QFETCH(QString, generation);
        const auto t = lv::ChatTemplate::builtin(format, kBos, "<|end_of_text|>");
        QCOMPARE(QString::fromStdString(t.render(kConversation, false)), full);
        QCOMPARE(QString::fromStdString(t.render(std::span(kConversation.data(), 2), true)),
                 generation);
    }

    void noSystemThinkingTraceAndNoThink_data() {
        QTest::addColumn<lv::ChatFormat>("format");
        QTest::addColumn<QString>("expected");
        QTest::newRow("granite4")
            << lv::ChatFormat::Granite4
            << "<|start_of_role|>system<|end_of_role|>You are a helpful assistant. Please ensure "
               "responses are professional, accurate, and safe.<|end_of_text|>\n"
               "<|start_of_role|>user<|end_of_role|>Hi<|end_of_text|>\n"
               "<|start_of_role|>assistant<|end_of_role|><think>plan</think> "
               "Hello!<|end_of_text|>\n"
               "<|start_of_role|>user<|end_of_role|>Summarize. /no_think<|end_of_text|>\n"
               "<|start_of_role|>assistant<|end_of_role|>";
        QTest::newRow("falcon-h1")
            << lv::ChatFormat::FalconH1
            << "<|begin_of_text|><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>plan"
               "</think> Hello!<|im_end|>\n<|im_start|>user\nSummarize. /no_think<|im_end|>\n"
               "<|im_start|>assistant\n";
        QTest::newRow("nemotron-h")
            << lv::ChatFormat::NemotronH
            << "<SPECIAL_10>System\n\n<SPECIAL_11>User\nHi\n<SPECIAL_11>Assistant\nHello!\n"
               "<SPECIAL_12>\n<SPECIAL_11>User\nSummarize.\n<SPECIAL_11>Assistant\n<think></think>";
        QTest::newRow("llama3")
            << lv::ChatFormat::Llama3
            << "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
               "<|start_header_id|>assistant<|end_header_id|>\n\n<think>plan</think> Hello!"
               "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nSummarize. /no_think"
               "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        QTest::newRow("llama3.1")
            << lv::ChatFormat::Llama31
            << "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge "
               "Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user"
               "<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
               "<think>plan</think> Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
               "Summarize. /no_think<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        QTest::newRow("chatml")
            << lv::ChatFormat::ChatML
            << "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>plan</think> Hello!"
               "<|im_end|>\n<|im_start|>user\nSummarize. "
               "/no_think<|im_end|>\n<|im_start|>assistant\n";
    }
    void noSystemThinkingTraceAndNoThink() {
        QFETCH(lv::ChatFormat, format);
        QFETCH(QString, expected);
        const auto t = lv::ChatTemplate::builtin(format, kBos, "<|end_of_text|>");
        QCOMPARE(QString::fromStdString(t.render(kSecondConversation, true)), expected);
    }

    void detectionFromTemplateTextAndModelType() {
        using lv::ChatFormat;
        using lv::detectChatFormat;
        QCOMPARE(detectChatFormat("{{- '<|start_of_role|>system<|end_of_role|>' }}", ""),
                 ChatFormat::Granite4);
        QCOMPARE(
            detectChatFormat("{{bos_token}}\n{%- if tools %}{{- '<|im_start|>system\\n' }}", ""),
            ChatFormat::FalconH1);
        QCOMPARE(detectChatFormat("{% for m in messages %}{{'<|im_start|>' + m.role }}", ""),
                 ChatFormat::ChatML);
        QCOMPARE(detectChatFormat("{{- '<SPECIAL_10>System\\n' -}}", ""), ChatFormat::NemotronH);
        QCOMPARE(detectChatFormat("{{ '<|start_header_id|>' }}", ""), ChatFormat::Llama3);
        QCOMPARE(detectChatFormat("{{- \"Cutting Knowledge Date: December 2023\\n\" }}"
                                  "{{ '<|start_header_id|>' }}",
                                  ""),
                 ChatFormat::Llama31);
        QCOMPARE(detectChatFormat("", "granitemoehybrid"), ChatFormat::Granite4);
        QCOMPARE(detectChatFormat("", "falcon_h1"), ChatFormat::FalconH1);
        QCOMPARE(detectChatFormat("", "nemotron_h"), ChatFormat::NemotronH);
        QCOMPARE(detectChatFormat("", "mamba2"), ChatFormat::ChatML);
    }

    void checkpointChoosesAndUserFormatOverrides() {
        QTemporaryDir dir;
        write(dir.filePath("config.json"), R"({"model_type": "falcon_h1"})");
        write(dir.filePath("tokenizer_config.json"),
              R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"})");
        auto t = lv::ChatTemplate::forCheckpoint(dir.path().toStdString());
        QCOMPARE(t.format(), lv::ChatFormat::FalconH1);
        QVERIFY(t.render(kConversation, false).rfind("<|begin_of_text|><|im_start|>system", 0) ==
                0);

        // A chat_template in tokenizer_config.json outweighs model_type.
        write(dir.filePath("tokenizer_config.json"),
              R"({"chat_template": "{{ '<|start_of_role|>' + message.role }}"})");
        QCOMPARE(lv::ChatTemplate::forCheckpoint(dir.path().toStdString()).format(),
                 lv::ChatFormat::Granite4);

        write(dir.filePath("format.txt"),
              "# mine\nuser: [U]{user}\\n\nassistant: [A]{assistant}\\n\n");
        t = lv::ChatTemplate::forCheckpoint(dir.path().toStdString(),
                                            dir.filePath("format.txt").toStdString());
        QCOMPARE(t.format(), lv::ChatFormat::Custom);
        QCOMPARE(t.render(kConversation, true),
                 std::string("[U]You are a careful reader.\n\nWhat is the notice period? \n"
                             "[A] Thirty days, see clause 4.\n\n[A]"));
    }

    void userFormat() {
        const auto t =
            lv::ChatTemplate::fromUserFormat("prefix: {bos}\n"
                                             "system: <|system|>\\n{system}<|end|>\\n\n"
                                             "user: <|user|>\\n{user}<|end|>\\n\n"
                                             "assistant: <|assistant|>\\n{content}{eos}\\n\n"
                                             "generation: <|assistant|>\\n\n",
                                             "<s>", "</s>");
        const std::vector<lv::ChatMessage> messages = {
            {"system", "S"}, {"user", "Use {user} and \\n literally"}, {"assistant", "A"}};
        QCOMPARE(t.render(messages, true),
                 std::string("<s><|system|>\nS<|end|>\n<|user|>\nUse {user} and \\n "
                             "literally<|end|>\n<|assistant|>\nA</s>\n<|assistant|>\n"));
    }

    void userFormatErrorsNameTheLine_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no user line") << "assistant: {assistant}"
                                      << "needs a 'user:'";
        QTest::newRow("unknown key") << "user: {user}\nbot: {assistant}"
                                     << "my.fmt:2: unknown key 'bot'";
        QTest::newRow("no colon") << "user {user}"
                                  << "my.fmt:1: expected 'key: value'";
        QTest::newRow("bad escape") << "user: {user}\\q\nassistant: {assistant}"
                                    << "my.fmt:1: unknown escape";
        QTest::newRow("no placeholder") << "user: hello\nassistant: {assistant}"
                                        << "my.fmt:1: the user line has no {user}";
    }
    void userFormatErrorsNameTheLine() {
        QFETCH(QString, spec);
        QFETCH(QString, expected);
        try {
            lv::ChatTemplate::fromUserFormat(spec.toStdString(), {}, {}, "my.fmt");
            QFAIL("expected a TokenizerError");
        } catch (const lv::TokenizerError& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
        }
    }

    void unknownRoleIsAnError() {
        const std::vector<lv::ChatMessage> messages = {{"narrator", "x"}};
        QVERIFY_THROWS_EXCEPTION(
            lv::TokenizerError,
            lv::ChatTemplate::builtin(lv::ChatFormat::Granite4).render(messages, false));
    }
};

QTEST_GUILESS_MAIN(ChatTemplateTest)
#include "tst_chat_template.moc"
