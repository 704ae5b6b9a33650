//! Golden cases, written from Mandarin's rules for reading numbers aloud.

use crate::text::normalize::{normalize, Locale};

pub(in crate::text::normalize) fn golden(locale: Locale, cases: &[(&str, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(input, want)| {
            let got = normalize(input, locale);
            (got != *want).then(|| format!("{input:?}\n   got  {got:?}\n   want {want:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{locale:?}:\n{}", failures.join("\n"));
    assert!(cases.len() >= 30);
}

#[test]
fn mandarin() {
    golden(
        Locale::Zh,
        &[
            ("现在是19:30。", "现在是十九点三十分。"),
            ("现在是7:05。", "现在是七点零五分。"),
            ("会议在2:00开始。", "会议在两点开始。"),
            ("闹钟7:30 PM响。", "闹钟下午七点三十分响。"),
            ("8:15 AM", "上午八点十五分"),
            ("时间是12:00:30", "时间是十二点零分三十秒"),
            ("１９：３０", "十九点三十分"),
            ("温度22°C", "温度二十二摄氏度"),
            ("室外-5°C", "室外零下五摄氏度"),
            ("体温98.6°F", "体温九十八点六华氏度"),
            ("气温23.5℃", "气温二十三点五摄氏度"),
            ("明天20~25°C", "明天二十到二十五摄氏度"),
            ("湿度45%", "湿度百分之四十五"),
            ("电量100%", "电量百分之一百"),
            ("下降-3%", "下降百分之负三"),
            ("增长12.5%", "增长百分之十二点五"),
            ("价格¥12.50", "价格十二元五角"),
            ("¥3.05", "三元零五分"),
            ("$5", "五美元"),
            ("€2", "两欧元"),
            ("100 USD", "一百美元"),
            ("风速15 km/h", "风速十五公里每小时"),
            ("今天用电12.4 kWh", "今天用电十二点四千瓦时"),
            ("功率450W", "功率四百五十瓦"),
            ("面积25m²", "面积二十五平方米"),
            ("距离2 km", "距离两公里"),
            ("气压1013 hPa", "气压一千零一十三百帕"),
            ("今天是2026-12-03", "今天是二零二六年十二月三日"),
            ("2026/1/5", "二零二六年一月五日"),
            ("2024年3月5日", "二零二四年三月五日"),
            ("第3名", "第三名"),
            ("No. 1", "第一"),
            ("温度-3", "温度负三"),
            ("圆周率3.14", "圆周率三点一四"),
            ("人口1,234,567", "人口一百二十三万四千五百六十七"),
            ("有2个人", "有两个人"),
            ("编号007", "编号零零七"),
            ("一共10000", "一共一万"),
            ("1001", "一千零一"),
            ("1.5小时", "一点五小时"),
        ],
    );
}

#[test]
fn odd_input_never_panics() {
    for s in [
        "19:30:19:30",
        "%%%",
        "-",
        "°C",
        "¥",
        "1.2.3.4",
        "99:99",
        "2026-13-45",
        "١٢٣",
    ] {
        let _ = normalize(s, Locale::Zh);
    }
    // A date that is no date is read as numbers, not as a date.
    assert_eq!(
        normalize("2026-13-45", Locale::Zh),
        "二千零二十六-十三-四十五"
    );
}
