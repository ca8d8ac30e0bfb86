// The Lists page's labels and messages, in English and Korean.
export const listsEn = {
  "nav.lists": "Lists",
  "lists.title": "Custom lists",
  "lists.intro":
    "Lists the triage reads: one entry a line; blank lines and lines starting with # (comments) are not kept. " +
    "An admin's edit replaces the list that ships with Intake until it is reset.",
  "lists.empty": "No custom lists.",
  "lists.entries": "{count, plural, =0 {no entries} one {# entry} other {# entries}}",
  "lists.default": "default",
  "lists.edited": "edited by {who}",
  "lists.editedNobody": "edited",
  "lists.save": "Save",
  "lists.reset": "Reset to default",
  "lists.saved": "Saved.",
  "lists.wasReset": "Back to the default.",
  "lists.readOnly": "Only an admin can change the lists.",
  "lists.tooMany": "At most {max, number} entries, each at most {length, number} characters (line {line, number} is longer).",
  "lists.tooManyEntries": "At most {max, number} entries ({count, number} given).",
} as const;

export const listsKo: Record<keyof typeof listsEn, string> = {
  "nav.lists": "목록",
  "lists.title": "사용자 지정 목록",
  "lists.intro":
    "분류(triage)가 읽는 목록입니다. 한 줄에 항목 하나이며, 빈 줄과 #으로 시작하는 줄(주석)은 저장되지 않습니다. 관리자가 고친 목록은 초기화할 때까지 Intake에 포함된 기본 목록을 대신합니다.",
  "lists.empty": "사용자 지정 목록이 없습니다.",
  "lists.entries": "{count, plural, =0 {항목 없음} other {항목 #개}}",
  "lists.default": "기본값",
  "lists.edited": "{who}이(가) 수정",
  "lists.editedNobody": "수정됨",
  "lists.save": "저장",
  "lists.reset": "기본값으로 초기화",
  "lists.saved": "저장했습니다.",
  "lists.wasReset": "기본값으로 되돌렸습니다.",
  "lists.readOnly": "관리자만 목록을 바꿀 수 있습니다.",
  "lists.tooMany": "항목은 최대 {max, number}개, 각 항목은 최대 {length, number}자입니다({line, number}번째 줄이 더 깁니다).",
  "lists.tooManyEntries": "항목은 최대 {max, number}개입니다({count, number}개 입력).",
};
