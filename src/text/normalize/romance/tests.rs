//! Golden cases, written from each language's rules for reading numbers aloud.

use crate::text::normalize::{normalize, Locale};

fn golden(locale: Locale, cases: &[(&str, &str)]) {
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
fn spanish() {
    golden(Locale::Es, &[
        ("Son las 7:30.", "Son las siete y treinta."),
        ("Son las 19:45.", "Son las diecinueve y cuarenta y cinco."),
        ("Es la 1:05.", "Es la una y cinco."),
        ("A las 21:00.", "A las veintiuna."),
        ("A las 7:30 PM.", "A las diecinueve y treinta."),
        ("La alarma suena a las 6h30.", "La alarma suena a las seis y treinta."),
        ("La temperatura es de 21 °C.", "La temperatura es de veintiún grados Celsius."),
        ("Fuera hace -3 °C.", "Fuera hace menos tres grados Celsius."),
        ("Hace 1 °C.", "Hace un grado Celsius."),
        ("El salón está a 21,5 °C.", "El salón está a veintiuno coma cinco grados Celsius."),
        ("Temperatura: -0,5 °C", "Temperatura: menos cero coma cinco grados Celsius"),
        ("La humedad es del 45 %.", "La humedad es del cuarenta y cinco por ciento."),
        ("Batería al 100%.", "Batería al cien por ciento."),
        ("Viento de 15 km/h.", "Viento de quince kilómetros por hora."),
        ("Hoy se produjeron 12,4 kWh.", "Hoy se produjeron doce coma cuatro kilovatios hora."),
        ("Consumo actual: 450 W.", "Consumo actual: cuatrocientos cincuenta vatios."),
        ("El salón mide 25 m².", "El salón mide veinticinco metros cuadrados."),
        ("Faltan 1,5 km.", "Faltan uno coma cinco kilómetros."),
        ("Queda 1 h.", "Queda una hora."),
        ("Cuesta 5,50 €.", "Cuesta cinco euros con cincuenta céntimos."),
        ("Cuesta 1 €.", "Cuesta un euro."),
        ("Son 1.500 €.", "Son mil quinientos euros."),
        ("Precio $20", "Precio veinte dólares"),
        ("Hoy es 05/03/2026.", "Hoy es cinco de marzo de dos mil veintiséis."),
        ("Fecha: 2026-12-01.", "Fecha: uno de diciembre de dos mil veintiséis."),
        ("Es el 1º de la lista.", "Es el primero de la lista."),
        ("Quedó 2ª.", "Quedó segunda."),
        ("Hay 3 luces encendidas.", "Hay tres luces encendidas."),
        ("En 2026.", "En dos mil veintiséis."),
        ("Hay 1.234.567 habitantes.", "Hay un millón doscientos treinta y cuatro mil quinientos sesenta y siete habitantes."),
        ("Son 100.000 personas", "Son cien mil personas"),
        ("La presión es de 1013 hPa.", "La presión es de mil trece hectopascales."),
        ("Velocidad: 250 Mbps.", "Velocidad: doscientos cincuenta megabits por segundo."),
        ("El CO2 está en 900 ppm.", "El CO2 está en novecientas partes por millón."),
        ("Pi vale 3,14.", "Pi vale tres coma catorce."),
        ("Nivel 0,05.", "Nivel cero coma cero cinco."),
        ("Luces & persianas.", "Luces y persianas."),
    ]);
}

#[test]
fn french() {
    golden(
        Locale::Fr,
        &[
            ("Il est 7 h 30.", "Il est sept heures trente."),
            ("Il est 7h30.", "Il est sept heures trente."),
            ("Il est 19:30.", "Il est dix-neuf heures trente."),
            ("Rendez-vous à 1 h.", "Rendez-vous à une heure."),
            ("Réveil à 0 h 15.", "Réveil à zéro heure quinze."),
            ("Il est 21:01.", "Il est vingt et une heures une."),
            ("Il est 7:30 PM.", "Il est dix-neuf heures trente."),
            ("Il fait 21 °C.", "Il fait vingt et un degrés Celsius."),
            (
                "Il fait -3 °C dehors.",
                "Il fait moins trois degrés Celsius dehors.",
            ),
            ("Il fait 1,5 °C.", "Il fait un virgule cinq degré Celsius."),
            ("Il fait 70 °F.", "Il fait soixante-dix degrés Fahrenheit."),
            (
                "Le four est à 80 °C.",
                "Le four est à quatre-vingts degrés Celsius.",
            ),
            ("Humidité : 45 %.", "Humidité: quarante-cinq pour cent."),
            (
                "La batterie est à 80 %.",
                "La batterie est à quatre-vingts pour cent.",
            ),
            ("Vent à 15 km/h.", "Vent à quinze kilomètres par heure."),
            (
                "Production : 12,4 kWh.",
                "Production: douze virgule quatre kilowattheures.",
            ),
            (
                "Consommation : 450 W.",
                "Consommation: quatre cent cinquante watts.",
            ),
            (
                "Le salon fait 25 m².",
                "Le salon fait vingt-cinq mètres carrés.",
            ),
            ("Il reste 1 km.", "Il reste un kilomètre."),
            ("Minuteur de 10 min.", "Minuteur de dix minutes."),
            (
                "Ça coûte 5,50 €.",
                "Ça coûte cinq euros et cinquante centimes.",
            ),
            ("Ça coûte 1 €.", "Ça coûte un euro."),
            ("Budget : 200\u{a0}000 €.", "Budget: deux cent mille euros."),
            (
                "Nous sommes le 05/03/2026.",
                "Nous sommes le cinq mars deux mille vingt-six.",
            ),
            ("Le 01/05/2026.", "Le premier mai deux mille vingt-six."),
            ("Il est arrivé 1er.", "Il est arrivé premier."),
            ("Elle est 1re.", "Elle est première."),
            ("Au 2e étage.", "Au deuxième étage."),
            ("Le 21e siècle.", "Le vingt et unième siècle."),
            (
                "Il y a 3 lumières allumées.",
                "Il y a trois lumières allumées.",
            ),
            ("En 1999.", "En mille neuf cent quatre-vingt-dix-neuf."),
            (
                "1\u{a0}000\u{a0}000 d'habitants.",
                "un million d'habitants.",
            ),
            (
                "Pression : 1013 hPa.",
                "Pression: mille treize hectopascals.",
            ),
            (
                "Débit : 250 Mbps.",
                "Débit: deux cent cinquante mégabits par seconde.",
            ),
            (
                "La valeur est 0,05.",
                "La valeur est zéro virgule zéro cinq.",
            ),
            ("Salon & cuisine.", "Salon et cuisine."),
        ],
    );
}

#[test]
fn italian() {
    golden(
        Locale::It,
        &[
            ("Sono le 7:30.", "Sono le sette e trenta."),
            ("Sono le 19:45.", "Sono le diciannove e quarantacinque."),
            ("È l'1:00.", "È l'una."),
            ("Sono le 23:03.", "Sono le ventitré e tre."),
            ("Sveglia alle 6h30.", "Sveglia alle sei e trenta."),
            ("Alle 7:30 PM.", "Alle diciannove e trenta."),
            ("Ci sono 21 °C.", "Ci sono ventuno gradi Celsius."),
            (
                "Fuori ci sono -3 °C.",
                "Fuori ci sono meno tre gradi Celsius.",
            ),
            ("C'è 1 °C.", "C'è un grado Celsius."),
            (
                "In salotto 21,5 °C.",
                "In salotto ventuno virgola cinque gradi Celsius.",
            ),
            (
                "L'umidità è al 45%.",
                "L'umidità è al quarantacinque per cento.",
            ),
            ("Vento a 15 km/h.", "Vento a quindici chilometri orari."),
            (
                "Prodotti 12,4 kWh.",
                "Prodotti dodici virgola quattro chilowattora.",
            ),
            ("Consumo: 450 W.", "Consumo: quattrocentocinquanta watt."),
            (
                "Il soggiorno è di 25 m².",
                "Il soggiorno è di venticinque metri quadrati.",
            ),
            ("Manca 1 km.", "Manca un chilometro."),
            ("In 2 h.", "In due ore."),
            ("Timer di 10 min.", "Timer di dieci minuti."),
            ("Costa 5,50 €.", "Costa cinque euro e cinquanta centesimi."),
            ("Costa 1 €.", "Costa un euro."),
            ("Costa $20.", "Costa venti dollari."),
            (
                "Oggi è il 05/03/2026.",
                "Oggi è il cinque marzo duemilaventisei.",
            ),
            ("Il 01/05/2026.", "Il primo maggio duemilaventisei."),
            ("È arrivato 1º.", "È arrivato primo."),
            ("È arrivata 2ª.", "È arrivata seconda."),
            ("Il 21º secolo.", "Il ventunesimo secolo."),
            ("Ci sono 3 luci accese.", "Ci sono tre luci accese."),
            ("Nel 1999.", "Nel millenovecentonovantanove."),
            (
                "Ci sono 1.234.567 abitanti.",
                "Ci sono un milione duecentotrentaquattromilacinquecentosessantasette abitanti.",
            ),
            (
                "Pressione: 1013 hPa.",
                "Pressione: milletredici ettopascal.",
            ),
            (
                "Velocità: 250 Mbps.",
                "Velocità: duecentocinquanta megabit al secondo.",
            ),
            ("Valore 0,05.", "Valore zero virgola zero cinque."),
            ("Luci & tapparelle.", "Luci e tapparelle."),
        ],
    );
}

#[test]
fn brazilian_portuguese() {
    golden(
        Locale::PtBr,
        &[
            ("São 7:30.", "São sete e trinta."),
            ("São 19:45.", "São dezenove e quarenta e cinco."),
            ("É 1:00.", "É uma hora."),
            ("São 22:00.", "São vinte e duas horas."),
            ("Alarme às 6h30.", "Alarme às seis e trinta."),
            ("Às 7:30 PM.", "Às dezenove e trinta."),
            (
                "Está fazendo 21 °C.",
                "Está fazendo vinte e um graus Celsius.",
            ),
            (
                "Lá fora faz -3 °C.",
                "Lá fora faz menos três graus Celsius.",
            ),
            ("Faz 1 °C.", "Faz um grau Celsius."),
            (
                "A sala está a 21,5 °C.",
                "A sala está a vinte e um vírgula cinco graus Celsius.",
            ),
            (
                "A umidade é de 45%.",
                "A umidade é de quarenta e cinco por cento.",
            ),
            ("Bateria em 100%.", "Bateria em cem por cento."),
            ("Vento de 15 km/h.", "Vento de quinze quilômetros por hora."),
            (
                "Produção de 12,4 kWh.",
                "Produção de doze vírgula quatro quilowatts-hora.",
            ),
            (
                "Consumo: 450 W.",
                "Consumo: quatrocentos e cinquenta watts.",
            ),
            (
                "A sala tem 25 m².",
                "A sala tem vinte e cinco metros quadrados.",
            ),
            ("Falta 1 km.", "Falta um quilômetro."),
            ("Faltam 2 h.", "Faltam duas horas."),
            ("Timer de 10 min.", "Timer de dez minutos."),
            ("Custa R$ 5,50.", "Custa cinco reais e cinquenta centavos."),
            ("Custa R$ 1,00.", "Custa um real."),
            ("Custa 10 €.", "Custa dez euros."),
            (
                "Hoje é 05/03/2026.",
                "Hoje é cinco de março de dois mil e vinte e seis.",
            ),
            (
                "Dia 01/05/2026.",
                "Dia primeiro de maio de dois mil e vinte e seis.",
            ),
            ("Chegou em 1º.", "Chegou em primeiro."),
            ("Ficou em 2ª.", "Ficou em segunda."),
            ("Há 3 luzes acesas.", "Há três luzes acesas."),
            ("Em 1999.", "Em mil novecentos e noventa e nove."),
            (
                "São 2.500.000 habitantes.",
                "São dois milhões e quinhentos mil habitantes.",
            ),
            ("Pressão: 1013 hPa.", "Pressão: mil e treze hectopascais."),
            (
                "Velocidade: 250 Mbps.",
                "Velocidade: duzentos e cinquenta megabits por segundo.",
            ),
            ("Valor 0,05.", "Valor zero vírgula zero cinco."),
            ("Luzes & persianas.", "Luzes e persianas."),
        ],
    );
}

#[test]
fn odd_input_never_panics_and_codes_stay() {
    for locale in [Locale::Es, Locale::Fr, Locale::It, Locale::PtBr] {
        for text in [
            "",
            "°C",
            "%",
            "-",
            "99999999999999999999 €",
            "12:99",
            "31/13/2026",
            "A4 v2.1 3x CO2",
            "1,2,3",
            "€",
            "R$",
            "1.2.3.4",
            "—5—",
        ] {
            let _ = normalize(text, locale);
        }
        assert_eq!(normalize("A4 und CO2", locale), "A4 und CO2");
    }
}
