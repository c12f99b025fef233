/* Every text the page shows, in English and Japanese: data only, so a translator edits one
 * file and the logic that fills the page (i18n.js) stays out of the way. */

export const STRINGS = {
  en: {
    title: "Dual-Use Desk",
    tagline: "Answers for startups entering Japan's defense market",
    skip: "Skip to the question box",
    newConversation: "New conversation",
    conversationLabel: "Conversation",
    welcomeTitle: "Ask about eligibility, qualifications, tenders and rules",
    welcomeBody:
      "Every answer cites the document section it comes from. Institute staff can take " +
      "over whenever you need a person.",
    examplesLabel: "Example questions",
    examples: [
      "What documents do I need for the unified qualification?",
      "Which drone tenders are open, and until when?",
      "Do I need a licence to share drone technology with a foreign engineer in Japan?",
    ],
    questionLabel: "Your question",
    placeholder: "Ask a question…",
    send: "Send",
    hint: "Enter to send, Shift+Enter for a new line.",
    note:
      "Answers come from the indexed documents and may be incomplete. Check the cited " +
      "source before you act.",
    you: "You",
    assistant: "Dual-Use Desk",
    staff: "Institute staff",
    thinking: "Looking through the documents…",
    sources: "Sources",
    feedbackLabel: "Rate this answer",
    helpful: "Helpful",
    notHelpful: "Not helpful",
    feedbackComment: "Anything to add? (optional)",
    feedbackSend: "Send comment",
    cancel: "Cancel",
    feedbackThanks: "Thank you for your feedback.",
    feedbackSaved: "Thanks: your rating is saved. You can change it at any time.",
    askStaff: "Ask institute staff",
    askingStaff: "Passing to staff…",
    askedStaff: "Passed to staff",
    ticketRequested:
      "Your question has been passed to institute staff. Ticket reference: {ticket}. " +
      "Their reply will appear here.",
    errEmpty: "Type a question first.",
    errRate: "You are asking too quickly. Please wait {seconds} seconds and try again.",
    errInvalid: "The message could not be sent: {reason}",
    errNetwork: "Could not reach Dual-Use Desk. Check your connection and try again.",
    errServer: "Something went wrong on our side (error {status}). Please try again.",
    errInterrupted: "The answer was interrupted. Please try again.",
    errPoll: "Lost contact with the server; staff replies will appear once it is back.",
    errLost: "The previous conversation could not be found, so a new one has started.",
  },
  ja: {
    title: "Dual-Use Desk",
    tagline: "防衛市場に参入するスタートアップのための回答窓口",
    skip: "質問欄へ移動",
    newConversation: "新しい会話",
    conversationLabel: "会話",
    welcomeTitle: "参加資格・入札参加資格・公募・規則について質問できます",
    welcomeBody:
      "回答には根拠となる文書の節を示します。人に相談したいときは、いつでも担当スタッフに" +
      "引き継げます。",
    examplesLabel: "質問の例",
    examples: [
      "全省庁統一資格の申請に必要な書類は何ですか？",
      "募集中のドローン関連の公募と締切を教えてください。",
      "国内の外国人技術者にドローン技術を教えるには許可が必要ですか？",
    ],
    questionLabel: "質問",
    placeholder: "質問を入力…",
    send: "送信",
    hint: "Enterで送信、Shift+Enterで改行",
    note:
      "回答は登録済みの文書に基づくもので、不完全な場合があります。行動する前に引用元を" +
      "確認してください。",
    you: "あなた",
    assistant: "Dual-Use Desk",
    staff: "担当スタッフ",
    thinking: "文書を確認しています…",
    sources: "出典",
    feedbackLabel: "この回答を評価",
    helpful: "役に立った",
    notHelpful: "役に立たなかった",
    feedbackComment: "補足があればどうぞ（任意）",
    feedbackSend: "コメントを送信",
    cancel: "キャンセル",
    feedbackThanks: "フィードバックありがとうございました。",
    feedbackSaved: "評価を保存しました。いつでも変更できます。",
    askStaff: "担当スタッフに質問する",
    askingStaff: "引き継いでいます…",
    askedStaff: "スタッフに引き継ぎ済み",
    ticketRequested:
      "ご質問を担当スタッフに引き継ぎました。受付番号: {ticket}。回答はこの画面に表示されます。",
    errEmpty: "質問を入力してください。",
    errRate: "質問の間隔が短すぎます。{seconds}秒ほど待ってから、もう一度お試しください。",
    errInvalid: "メッセージを送信できませんでした: {reason}",
    errNetwork: "サーバーに接続できませんでした。接続を確認して、もう一度お試しください。",
    errServer: "サーバー側で問題が発生しました（エラー {status}）。もう一度お試しください。",
    errInterrupted: "回答が途中で中断されました。もう一度お試しください。",
    errPoll: "サーバーとの接続が切れました。再接続後にスタッフからの返信が表示されます。",
    errLost: "以前の会話が見つからなかったため、新しい会話を始めました。",
  },
};
export const LANG_NAMES = { en: "English", ja: "日本語" };
