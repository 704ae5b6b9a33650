//! Golden tables for the normalizer.

use super::{normalize, Locale};

use Locale::{EnGb as Gb, EnUs as Us};

/// (locale, written, spoken): what the normalizer must produce, exactly.
#[rustfmt::skip]
const GOLDEN: &[(Locale, &str, &str)] = &[
    // numbers
    (Us, "There are 1,234,567 people.", "There are one million two hundred thirty-four thousand five hundred sixty-seven people."),
    (Us, "It is 0 now.", "It is zero now."),
    (Us, "Count to 7.", "Count to seven."),
    (Us, "She has 13 cats and 40 dogs.", "She has thirteen cats and forty dogs."),
    (Us, "It costs 99 points.", "It costs ninety-nine points."),
    (Us, "About 100 of them.", "About one hundred of them."),
    (Us, "Exactly 101.", "Exactly one hundred one."),
    (Us, "We sold 1,000 units.", "We sold one thousand units."),
    (Us, "We sold 1,001 units.", "We sold one thousand one units."),
    (Us, "The debt is 3,000,000,000.", "The debt is three billion."),
    (Gb, "There are 105 cars.", "There are one hundred and five cars."),
    (Gb, "We sold 1,005 units.", "We sold one thousand and five units."),
    (Gb, "There are 2,350 seats.", "There are two thousand three hundred and fifty seats."),
    (Us, "It was -5 outside.", "It was minus five outside."),
    (Us, "It fell to −12 overnight.", "It fell to minus twelve overnight."),
    (Us, "Pi is 3.14.", "Pi is three point one four."),
    (Us, "Only 0.5 left.", "Only zero point five left."),
    (Us, "It is .75 full.", "It is point seven five full."),
    (Us, "Agent 007 is here.", "Agent zero zero seven is here."),
    (Us, "He finished 21st.", "He finished twenty-first."),
    (Us, "She came 2nd, he came 3rd.", "She came second, he came third."),
    (Us, "The 100th visitor.", "The one hundredth visitor."),
    (Us, "The 1,000th day.", "The one thousandth day."),
    (Us, "On the 11th and 12th and 13th.", "On the eleventh and twelfth and thirteenth."),
    (Us, "In 1990 we moved.", "In nineteen ninety we moved."),
    (Us, "1990 people attended.", "one thousand nine hundred ninety people attended."),
    (Us, "It happened in 2005.", "It happened in two thousand five."),
    (Us, "It was built in 1905.", "It was built in nineteen oh five."),
    (Us, "The year 2000 problem.", "The year two thousand problem."),
    (Us, "By 2030 it will be done.", "By twenty thirty it will be done."),
    (Us, "The 2020 election.", "The twenty twenty election."),
    (Us, "Since 1066.", "Since ten sixty-six."),
    (Us, "In 2010 and 2026.", "In twenty ten and twenty twenty-six."),
    (Us, "Around 1800 or 1900.", "Around eighteen hundred or nineteen hundred."),
    (Gb, "It happened in 2005.", "It happened in two thousand and five."),
    (Us, "The 1990s were fun.", "The nineteen nineties were fun."),
    (Us, "The 1900s and 2000s.", "The nineteen hundreds and two thousands."),
    (Us, "Back in the '80s.", "Back in the eighties."),
    (Us, "In her 30s.", "In her thirties."),
    (Us, "Hundreds, I mean 100s of them.", "Hundreds, I mean hundreds of them."),
    (Us, "Add 1/2 and 3/4.", "Add one half and three quarters."),
    (Us, "Take 2/3 of it and 1/10 of that.", "Take two thirds of it and one tenth of that."),
    (Us, "Use 1 1/2 cups.", "Use one and a half cups."),
    (Us, "Use 2 3/4 cups.", "Use two and three quarters cups."),
    (Us, "About ½ and 1½.", "About one half and one and a half."),
    (Us, "I'd rate it 4/5 stars, a solid 8/10.", "I'd rate it four out of five stars, a solid eight out of ten."),
    (Us, "Take I-95 north, then the 3-year-old road.", "Take I ninety-five north, then the three-year-old road."),
    (Us, "Open 24/7.", "Open twenty-four seven."),
    (Us, "Pick 5-10 items.", "Pick five to ten items."),
    (Us, "It will be 5–10 °C.", "It will be five to ten degrees Celsius."),
    (Us, "From 1990-1995.", "From nineteen ninety to nineteen ninety-five."),
    (Us, "The 2020-21 season.", "The twenty twenty to twenty-one season."),
    (Us, "The score was 3-2.", "The score was three to two."),
    (Us, "Henry VIII had six wives.", "Henry the eighth had six wives."),
    (Us, "Read Chapter IV.", "Read Chapter four."),
    (Us, "Louis XIV and Elizabeth II.", "Louis the fourteenth and Elizabeth the second."),
    (Us, "Pope John Paul II.", "Pope John Paul the second."),
    (Us, "World War II ended.", "World War two ended."),
    (Us, "Super Bowl LVIII.", "Super Bowl fifty-eight."),
    (Us, "I think I am right.", "I think I am right."),
    (Us, "Type C and Appendix D.", "Type C and Appendix D."),
    (Us, "Final Fantasy VII.", "Final Fantasy seven."),
    (Us, "Version 2.0.1 is out.", "Version two point zero point one is out."),
    (Us, "The 5G network.", "The five G network."),
    (Us, "COVID-19 cases.", "COVID nineteen cases."),
    (Us, "It is 3x faster.", "It is three times faster."),
    (Us, "A 1920x1080 screen.", "A nineteen twenty by ten eighty screen."),
    (Us, "3 × 4 = 12", "three times four equals twelve"),
    (Us, "A 16:9 screen.", "A sixteen to nine screen."),
    (Us, "It sold 1.5k copies.", "It sold one point five thousand copies."),
    (Us, "2.5 million people.", "two point five million people."),
    // times
    (Us, "Meet at 3:45.", "Meet at three forty-five."),
    (Us, "Meet at 3:05.", "Meet at three oh five."),
    (Us, "Meet at 3:00.", "Meet at three o'clock."),
    (Us, "At 3:00 PM sharp.", "At three p.m. sharp."),
    (Us, "At 3:45 pm.", "At three forty-five p.m."),
    (Us, "At 11:30 a.m.", "At eleven thirty a.m."),
    (Us, "The train leaves at 15:00.", "The train leaves at three p.m."),
    (Us, "The train leaves at 15:30.", "The train leaves at three thirty p.m."),
    (Us, "At 07:30 and 00:15.", "At seven thirty a.m. and twelve fifteen a.m."),
    (Us, "At 00:00.", "At midnight."),
    (Us, "At 12:00 noon.", "At twelve noon."),
    (Us, "Wake me at 7am.", "Wake me at seven a.m."),
    (Us, "Wake me at 7 PM.", "Wake me at seven p.m."),
    (Us, "Lunch is at noon.", "Lunch is at noon."),
    (Us, "Open 9:00-17:00.", "Open nine a.m. to five p.m."),
    (Us, "Open 9am-5pm.", "Open nine a.m. to five p.m."),
    (Us, "From 9-11am.", "From nine to eleven a.m."),
    (Us, "Done at 14:32:10.", "Done at two thirty-two p.m. and ten seconds."),
    (Us, "Finished in 45:30.", "Finished in forty-five thirty."),
    // dates
    (Us, "The date is 2026-11-25.", "The date is November twenty-fifth, twenty twenty-six."),
    (Gb, "The date is 2026-11-25.", "The date is the twenty-fifth of November, twenty twenty-six."),
    (Us, "Starts 2026-11-25T14:30:00Z.", "Starts November twenty-fifth, twenty twenty-six at two thirty p.m."),
    (Us, "See you Nov 25.", "See you November twenty-fifth."),
    (Gb, "See you Nov 25.", "See you November the twenty-fifth."),
    (Us, "On November 25th, 2026.", "On November twenty-fifth, twenty twenty-six."),
    (Us, "On Dec. 25, 2026.", "On December twenty-fifth, twenty twenty-six."),
    (Us, "On 25 November 2026.", "On the twenty-fifth of November, twenty twenty-six."),
    (Us, "On the 25th of November.", "On the twenty-fifth of November."),
    (Us, "Due 11/25/2026.", "Due November twenty-fifth, twenty twenty-six."),
    (Gb, "Due 25/11/2026.", "Due the twenty-fifth of November, twenty twenty-six."),
    (Us, "Due 25/11/2026.", "Due November twenty-fifth, twenty twenty-six."),
    (Gb, "Due 11/12/2026.", "Due the eleventh of December, twenty twenty-six."),
    (Us, "Due 11/12/2026.", "Due November twelfth, twenty twenty-six."),
    (Us, "Due 25.11.2026.", "Due November twenty-fifth, twenty twenty-six."),
    (Us, "Born 4/7/99.", "Born April seventh, nineteen ninety-nine."),
    (Us, "Mon, Nov 25 at 7:30 pm.", "Monday, November twenty-fifth at seven thirty p.m."),
    (Us, "Open Mon-Fri.", "Open Monday to Friday."),
    (Us, "Closed Sat, 12 Oct.", "Closed Saturday, the twelfth of October."),
    (Us, "See you on Thu.", "See you on Thursday."),
    (Us, "March 2026 was cold.", "March twenty twenty-six was cold."),
    (Us, "In Jan. and Feb. it snows.", "In January and February it snows."),
    (Us, "I love the Sun.", "I love the Sun."),
    (Us, "May 5 is a date.", "May fifth is a date."),
    // temperatures and units
    (Us, "It is 21°C.", "It is twenty-one degrees Celsius."),
    (Us, "It is -5 °F.", "It is minus five degrees Fahrenheit."),
    (Us, "Set it to 21.5°.", "Set it to twenty-one point five degrees."),
    (Us, "It is 1°C.", "It is one degree Celsius."),
    (Us, "It is 0 °C.", "It is zero degrees Celsius."),
    (Us, "Battery at 85%.", "Battery at eighty-five percent."),
    (Us, "Up 3.5 %.", "Up three point five percent."),
    (Us, "It is 1 km away.", "It is one kilometer away."),
    (Us, "It is 2 km away.", "It is two kilometers away."),
    (Gb, "It is 1 km away.", "It is one kilometre away."),
    (Gb, "It is 2.5 km away.", "It is two point five kilometres away."),
    (Us, "Drive 50 km/h.", "Drive fifty kilometers per hour."),
    (Us, "Drive 30 mph.", "Drive thirty miles per hour."),
    (Us, "Weighs 5 kg.", "Weighs five kilograms."),
    (Us, "Weighs 1 lb.", "Weighs one pound."),
    (Us, "Weighs 11 lbs.", "Weighs eleven pounds."),
    (Us, "Used 12.5 kWh.", "Used twelve point five kilowatt hours."),
    (Us, "A 60 W bulb.", "A sixty watt bulb."),
    (Us, "It draws 100 W.", "It draws one hundred watts."),
    (Us, "Supply 230 V.", "Supply two hundred thirty volts."),
    (Us, "Rain 2 mm.", "Rain two millimeters."),
    (Us, "Area 50 m².", "Area fifty square meters."),
    (Us, "Volume 500 ml.", "Volume five hundred milliliters."),
    (Gb, "Volume 2 l.", "Volume two litres."),
    (Us, "Free: 32 GB.", "Free: thirty-two gigabytes."),
    (Us, "Speed 250 Mbps.", "Speed two hundred fifty megabits per second."),
    (Us, "Ping 12 ms.", "Ping twelve milliseconds."),
    (Us, "Wait 30 s.", "Wait thirty seconds."),
    (Us, "Wait 15 min.", "Wait fifteen minutes."),
    (Us, "Timer 1h 30m.", "Timer one hour thirty minutes."),
    (Us, "Pressure 1013 hPa.", "Pressure one thousand thirteen hectopascals."),
    (Us, "PM2.5 is 12 µg/m³.", "PM two point five is twelve micrograms per cubic meter."),
    (Us, "CO2 650 ppm.", "CO two six hundred fifty parts per million."),
    (Us, "Color 2700 K.", "Color two thousand seven hundred kelvin."),
    (Us, "A 4K TV.", "A four K TV."),
    (Us, "He is 6 ft tall.", "He is six feet tall."),
    (Us, "He is 5'10\".", "He is five foot ten."),
    (Us, "Add 3/4 cup.", "Add three quarters cup."),
    (Us, "Add 1/2 tsp salt.", "Add one half of a teaspoon salt."),
    (Us, "Speed in km/h.", "Speed in kilometers per hour."),
    (Us, "Costs 30 cents/kWh.", "Costs thirty cents per kilowatt hour."),
    // currency
    (Us, "It costs $5.", "It costs five dollars."),
    (Us, "It costs $1.", "It costs one dollar."),
    (Us, "It costs $12.50.", "It costs twelve dollars and fifty cents."),
    (Us, "It costs $0.99.", "It costs ninety-nine cents."),
    (Us, "It costs $0.01.", "It costs one cent."),
    (Us, "It costs $3.00.", "It costs three dollars."),
    (Us, "They raised $1.5 million.", "They raised one point five million dollars."),
    (Us, "A $2bn deal.", "A two billion dollar deal."),
    (Us, "From $5-$10.", "From five to ten dollars."),
    (Us, "Owe -$5.", "Owe minus five dollars."),
    (Us, "That's €20.", "That's twenty euros."),
    (Us, "That's €1.50.", "That's one euro and fifty cents."),
    (Gb, "That's £3.50.", "That's three pounds fifty."),
    (Gb, "That's £0.50.", "That's fifty pence."),
    (Gb, "That's £1.", "That's one pound."),
    (Us, "That's ¥500.", "That's five hundred yen."),
    (Us, "Pay 1,000 USD.", "Pay one thousand US dollars."),
    (Us, "Pay USD 25.", "Pay twenty-five US dollars."),
    (Us, "Pay 25 CHF.", "Pay twenty-five Swiss francs."),
    (Us, "Pay 20 €.", "Pay twenty euros."),
    (Gb, "That's 99p.", "That's ninety-nine pence."),
    (Us, "A 50¢ coin.", "A fifty cents coin."),
    (Us, "Pay ₹100.", "Pay one hundred rupees."),
    (Us, "Only $10/month.", "Only ten dollars per month."),
    // abbreviations and symbols
    (Us, "Dr. Smith is here.", "Doctor Smith is here."),
    (Us, "Ask Dr. Smith.", "Ask Doctor Smith."),
    (Us, "He lives on Elm Dr.", "He lives on Elm Drive."),
    (Us, "Turn onto Elm Dr. North.", "Turn onto Elm Drive North."),
    (Us, "I live at 12 Oak Dr. It is nice.", "I live at twelve Oak Drive. It is nice."),
    (Us, "St. Louis is big.", "Saint Louis is big."),
    (Us, "He lives on Main St.", "He lives on Main Street."),
    (Gb, "Visit St Paul's.", "Visit Saint Paul's."),
    (Us, "Mr. and Mrs. Jones.", "Mister and Missus Jones."),
    (Gb, "Mr Smith and Ms Brown.", "Mister Smith and Ms. Brown."),
    (Us, "Fruit, e.g. apples.", "Fruit, for example apples."),
    (Us, "Red, i.e. warm.", "Red, that is warm."),
    (Us, "Pens, paper, etc.", "Pens, paper, etc."),
    (Us, "Pens, paper, etc. and more.", "Pens, paper, etc. and more."),
    (Us, "Apples vs. oranges.", "Apples versus oranges."),
    (Us, "Tom & Jerry.", "Tom and Jerry."),
    (Us, "Meet @ home.", "Meet at home."),
    (Us, "Disney+ and C++.", "Disney plus and C plus plus."),
    (Us, "We're #1.", "We're number one."),
    (Us, "Try #HomeAssistant.", "Try hashtag HomeAssistant."),
    (Us, "Learn C# today.", "Learn C sharp today."),
    (Us, "See No. 5.", "See number five."),
    (Us, "Roe v. Wade.", "Roe versus Wade."),
    (Us, "Tea w/ milk, w/o sugar.", "Tea with milk, without sugar."),
    (Us, "Approx. 5 people.", "Approximately five people."),
    (Us, "Acme Inc. makes it.", "Acme Incorporated makes it."),
    (Us, "The U.S. is big.", "The U.S. is big."),
    (Us, "The USB and NASA.", "The USB and NASA."),
    // web, email, phone
    (Us, "Visit https://example.com/x today.", "Visit example dot com slash x today."),
    (Us, "See www.home-assistant.io/docs/.", "See home dash assistant dot IO slash docs."),
    (Us, "Go to example.org.", "Go to example dot org."),
    (Us, "Open http://192.168.1.10:8123/lovelace.", "Open one nine two dot one six eight dot one dot one zero colon eight one two three slash lovelace."),
    (Us, "Mail bob@example.com now.", "Mail bob at example dot com now."),
    (Us, "Mail john.smith@mail.example.co.uk.", "Mail john dot smith at mail dot example dot co dot UK."),
    (Us, "Edit configuration.yaml.", "Edit configuration dot yaml."),
    (Us, "Call (555) 123-4567.", "Call five five five, one two three, four five six seven."),
    (Us, "Call +1 555 123 4567.", "Call plus one, five five five, one two three, four five six seven."),
    (Us, "Call 555-123-4567.", "Call five five five, one two three, four five six seven."),
    (Us, "Call 1-800-555-0199.", "Call one, eight zero zero, five five five, zero one nine nine."),
    (Gb, "Ring 020 7946 0958.", "Ring oh two oh, seven nine four six, oh nine five eight."),
    (Gb, "Ring +44 20 7946 0958.", "Ring plus four four, two oh, seven nine four six, oh nine five eight."),
    (Us, "Call me at 555-1234.", "Call me at five five five, one two three four."),
    (Us, "Call 911 now.", "Call nine one one now."),
    // markdown and emoji
    (Us, "**Bold** and *italic*.", "Bold and italic."),
    (Us, "__Bold__ and _italic_.", "Bold and italic."),
    (Us, "Use `code` here.", "Use code here."),
    (Us, "A snake_case_name and 2*3.", "A snake case name and two times three."),
    (Us, "# Weather today", "Weather today."),
    (Us, "## Forecast ##", "Forecast."),
    (Us, "- Sunny\n- Warm", "Sunny.\nWarm."),
    (Us, "* Eggs\n* Milk", "Eggs.\nMilk."),
    (Us, "1. Preheat\n2. Bake", "Preheat.\nBake."),
    (Us, "See [the docs](https://example.com/docs).", "See the docs."),
    (Us, "![a cat](cat.png) photo.", "a cat photo."),
    (Us, "Great job! 🎉👍 Next.", "Great job! Next."),
    (Us, "I ❤️ it 👍🏽.", "I it."),
    (Us, "Flags 🇺🇸 here.", "Flags here."),
    (Us, "> Quoted text", "Quoted text"),
    (Us, "Line one\n\n---\n\nLine two", "Line one.\n\nLine two"),
    (Us, "~~old~~ new", "old new"),
    (Us, "```\nls -la\n```", "ls -la"),
    (Us, "| Day | High | Low |\n|---|---|---|\n| Mon | 21°C | 12°C |\n| Tue | 19°C | 10°C |", "Monday: High twenty-one degrees Celsius, Low twelve degrees Celsius.\nTuesday: High nineteen degrees Celsius, Low ten degrees Celsius."),
    (Us, "| Room | Temp |\n|---|---|\n| Kitchen | 21°C |\n| Bedroom | 18°C |", "Kitchen: twenty-one degrees Celsius.\nBedroom: eighteen degrees Celsius."),
    (Us, "**Today:** Sunny\n**Tomorrow:** Rain", "Today: Sunny.\nTomorrow: Rain"),
    (Us, "A line\nwrapped here.", "A line\nwrapped here."),
    (Us, "Visit <https://example.com>.", "Visit example dot com."),
    (Us, "Hello<br>world", "Hello world"),
    // Home Assistant and assistant answers
    (Us, "Version v3.2 is out.", "Version three point two is out."),
    (Us, "Update to v2.1 now.", "Update to version two point one now."),
    (Us, "The living room temperature is 21.5 °C and the humidity is 45%.", "The living room temperature is twenty-one point five degrees Celsius and the humidity is forty-five percent."),
    (Us, "It's currently 72°F with winds at 5 mph from the NW.", "It's currently seventy-two degrees Fahrenheit with winds at five miles per hour from the NW."),
    (Us, "Your next event is \"Dentist\" on Tuesday, March 3 at 2:30 PM.", "Your next event is \"Dentist\" on Tuesday, March third at two thirty p.m."),
    (Us, "Home Assistant 2024.11.3 is available.", "Home Assistant twenty twenty-four point eleven point three is available."),
    (Us, "Sensor battery: 15 %. Signal: -67 dBm.", "Sensor battery: fifteen percent. Signal: minus sixty-seven decibel milliwatts."),
    (Us, "The forecast for Mon–Wed: highs of 18–22 °C, lows around 9 °C.", "The forecast for Monday to Wednesday: highs of eighteen to twenty-two degrees Celsius, lows around nine degrees Celsius."),
    (Us, "Tomorrow (Nov 26): cloudy, 60% chance of rain, wind 20-30 km/h.", "Tomorrow (November twenty-sixth): cloudy, sixty percent chance of rain, wind twenty to thirty kilometers per hour."),
    (Us, "Electricity price right now: 0.28 €/kWh (€0.28 per kWh).", "Electricity price right now: twenty-eight cents per kilowatt hour (twenty-eight cents per kilowatt hour)."),
    (Us, "It's 10:15 PM. Good night!", "It's ten fifteen p.m. Good night!"),
    (Us, "Here are 3 options:\n1. **Pasta** – 20 min\n2. **Salad** – 10 min", "Here are three options:\nPasta – twenty minutes.\nSalad – ten minutes."),
    (Us, "Your package arrives between 2-4 p.m. on 12/3.", "Your package arrives between two and four p.m. on December third."),
    (Us, "The population of Tokyo is ~37.4 million (2023).", "The population of Tokyo is about thirty-seven point four million (twenty twenty-three)."),
    (Us, "Lights: 3/5 on.", "Lights: three fifths on."),
    (Us, "Front door: locked 🔒. Back door: unlocked 🔓.", "Front door: locked. Back door: unlocked."),
    (Us, "The meeting is at 9:30am–10:15am in Room 4B.", "The meeting is at nine thirty a.m. to ten fifteen a.m. in Room four B."),
    (Us, "Pay $1,299.99 or 4 × $325.", "Pay one thousand two hundred ninety-nine dollars and ninety-nine cents or four times three hundred twenty-five dollars."),
    (Us, "Net worth: -$2.5M.", "Net worth: minus two point five million dollars."),
    (Us, "What is 15% of 80? It's 12.", "What is fifteen percent of eighty? It's twelve."),
    (Us, "Born on 4/7.", "Born on April seventh."),
    (Gb, "Born on 4/7.", "Born on the fourth of July."),
];

#[test]
fn golden_table() {
    let mut failures = Vec::new();
    for &(locale, input, want) in GOLDEN {
        let got = normalize(input, locale);
        if got != want {
            failures.push(format!(
                "{locale:?} {input:?}\n     got: {got:?}\n    want: {want:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        GOLDEN.len(),
        failures.join("\n")
    );
    assert!(GOLDEN.len() >= 150);
}

/// Pieces of the written forms the passes look for, to build adversarial inputs from.
#[rustfmt::skip]
const PIECES: &[&str] = &[
    "1", "23", "456", "7890", "1,234", "3.5", ".5", "-", "−", "+", "/", ":", "°", "°C", "%",
    "$", "€", "£", "¥", "km", "km/h", "kWh", "m²", "st", "nd", "th", "s", "'", "’", "x", "×",
    "e", "E", "k", "M", "bn", "am", "p.m.", "PM", "Dr.", "St.", "Mr.", "e.g.", "No.", "#", "@",
    "&", "*", "**", "_", "`", "[", "]", "(", ")", "|", "\n", "\n\n", " ", " ", " ", "-", "–",
    "—", "...", "…", ".", ",", "!", "?", "https://", "www.", ".com", "Nov", "May", "Mon",
    "2026-11-25", "11/25/2026", "IV", "VIII", "I", "Henry", "Chapter", "½", "¾", "😀", "🇺🇸",
    "\u{fe0f}", "\u{200d}", "é", "中", "\u{301}", "\t", "\r", "&amp;", "<br>", "> ", "# ", "- ",
    "1. ",
];

#[test]
fn never_panics_on_random_input() {
    let mut rng = fastrand::Rng::with_seed(0x2545_F491_4F6C_DD1D);
    for round in 0..4000 {
        let len = rng.usize(..40);
        let text: String = (0..len)
            .map(|_| match rng.usize(..8) {
                0 => char::from_u32(rng.u32(..0x11_0000)).map_or(String::new(), String::from),
                _ => PIECES[rng.usize(..PIECES.len())].to_string(),
            })
            .collect();
        let locale = if round % 2 == 0 {
            Locale::EnUs
        } else {
            Locale::EnGb
        };
        let out = normalize(&text, locale);
        assert!(out.len() < text.len() * 40 + 64, "{text:?} grew to {out:?}");
    }
}

#[test]
fn never_panics_on_long_input() {
    let paragraph = "On 2026-11-25 at 15:00 it was 21.5°C (70.7 °F), wind 12 km/h; Dr. Smith paid \
                     $1,234.56 for 3/4 of the 1990s collection at https://example.com/x. ";
    let long = paragraph.repeat(2000);
    let out = normalize(&long, Locale::EnUs);
    assert!(!out.chars().any(|c| c.is_ascii_digit()));
    assert!(out.starts_with("On November twenty-fifth, twenty twenty-six at three p.m."));
    let junk: String = std::iter::repeat_n("9", 100_000).collect();
    assert!(!normalize(&junk, Locale::EnGb).contains('9'));
    let dots = ".".repeat(100_000) + &"-".repeat(100_000) + &"*".repeat(100_000);
    let _ = normalize(&dots, Locale::EnUs);
}

#[test]
fn no_digits_survive() {
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    let numeric: Vec<&str> = PIECES
        .iter()
        .copied()
        .filter(|p| !p.contains("\u{301}"))
        .collect();
    for _ in 0..4000 {
        let len = rng.usize(..12);
        let text: String = (0..len)
            .map(|_| numeric[rng.usize(..numeric.len())])
            .collect();
        let out = normalize(&text, Locale::EnUs);
        assert!(
            !out.chars().any(|c| c.is_ascii_digit()),
            "{text:?} → {out:?}"
        );
    }
}

#[test]
fn locale_from_tag() {
    assert_eq!(Locale::from_tag("en-US"), Some(Locale::EnUs));
    assert_eq!(Locale::from_tag("en_gb"), Some(Locale::EnGb));
    assert_eq!(Locale::from_tag("en"), Some(Locale::EnUs));
    assert_eq!(Locale::from_tag("fr-FR"), Some(Locale::Fr));
    assert_eq!(Locale::from_tag("pt-BR"), Some(Locale::PtBr));
    assert_eq!(Locale::from_tag("ja-JP"), Some(Locale::Ja));
    assert_eq!(Locale::from_tag("hi-IN"), Some(Locale::Hi));
    assert_eq!(Locale::from_tag("zh-CN"), Some(Locale::Zh));
    assert_eq!(Locale::from_tag("zh"), Some(Locale::Zh));
    assert_eq!(Locale::from_tag("de-DE"), None);
    assert_eq!(Locale::default(), Locale::EnUs);
}

#[test]
fn normalized_answers_split_into_sentences() {
    use crate::text::split::split_sentences;
    let answer = "## Forecast\n\n**Today:** Sunny, 24°C 🌞\n**Tomorrow:** Rain (80%)\n\n\
                  - Take an umbrella\n- Leave at 7:30 a.m. Dr. Lee said so.\n\n\
                  | Day | High |\n|---|---|\n| Mon | 21°C |";
    let spoken = normalize(answer, Locale::EnUs);
    assert_eq!(
        split_sentences(&spoken),
        vec![
            "Forecast.",
            "Today: Sunny, twenty-four degrees Celsius.",
            "Tomorrow: Rain (eighty percent).",
            "Take an umbrella.",
            "Leave at seven thirty a.m.",
            "Doctor Lee said so.",
            "Monday: twenty-one degrees Celsius.",
        ]
    );
}

/// Checks `cases` (at least 30, written from the language's rules) for `locale`,
/// reporting every case that fails.
pub(super) fn golden(locale: Locale, cases: &[(&str, &str)]) {
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
