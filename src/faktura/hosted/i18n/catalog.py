"""Every text of the payer's pages in the five languages, side by side so a missing one shows.

Placeholders are `str.format` fields filled with values the page escapes afterwards.
"""

from __future__ import annotations

LANGUAGES = ("en", "nb", "sv", "da", "de")

MESSAGES: dict[str, dict[str, str]] = {
    "page_title": {
        "en": "Payment to {merchant}",
        "nb": "Betaling til {merchant}",
        "sv": "Betalning till {merchant}",
        "da": "Betaling til {merchant}",
        "de": "Zahlung an {merchant}",
    },
    "org_number": {
        "en": "Org. no. {number}",
        "nb": "Org.nr. {number}",
        "sv": "Org.nr {number}",
        "da": "Org.nr. {number}",
        "de": "Organisationsnr. {number}",
    },
    "language": {"en": "Language", "nb": "Språk", "sv": "Språk", "da": "Sprog", "de": "Sprache"},
    "order_heading": {"en": "Order", "nb": "Ordre", "sv": "Order", "da": "Ordre", "de": "Bestellung"},
    "order_reference": {
        "en": "Order {reference}",
        "nb": "Ordre {reference}",
        "sv": "Order {reference}",
        "da": "Ordre {reference}",
        "de": "Bestellung {reference}",
    },
    "invoice_heading": {
        "en": "Invoice {number}",
        "nb": "Faktura {number}",
        "sv": "Faktura {number}",
        "da": "Faktura {number}",
        "de": "Rechnung {number}",
    },
    "payment_heading": {
        "en": "Payment",
        "nb": "Betaling",
        "sv": "Betalning",
        "da": "Betaling",
        "de": "Zahlung",
    },
    "col_description": {
        "en": "Description",
        "nb": "Beskrivelse",
        "sv": "Beskrivning",
        "da": "Beskrivelse",
        "de": "Beschreibung",
    },
    "col_quantity": {"en": "Qty", "nb": "Antall", "sv": "Antal", "da": "Antal", "de": "Menge"},
    "col_unit_price": {
        "en": "Unit price",
        "nb": "Enhetspris",
        "sv": "À-pris",
        "da": "Enhedspris",
        "de": "Einzelpreis",
    },
    "col_amount": {"en": "Amount", "nb": "Beløp", "sv": "Belopp", "da": "Beløb", "de": "Betrag"},
    "prices_incl_vat": {
        "en": "Prices include VAT.",
        "nb": "Prisene er inkludert mva.",
        "sv": "Priserna inkluderar moms.",
        "da": "Priserne er inkl. moms.",
        "de": "Preise inkl. MwSt.",
    },
    "prices_excl_vat": {
        "en": "Prices exclude VAT.",
        "nb": "Prisene er eksklusive mva.",
        "sv": "Priserna exkluderar moms.",
        "da": "Priserne er ekskl. moms.",
        "de": "Preise zzgl. MwSt.",
    },
    "discount": {"en": "Discount", "nb": "Rabatt", "sv": "Rabatt", "da": "Rabat", "de": "Rabatt"},
    "total_excl_vat": {
        "en": "Total excl. VAT",
        "nb": "Sum eksl. mva.",
        "sv": "Summa exkl. moms",
        "da": "I alt ekskl. moms",
        "de": "Summe netto",
    },
    "vat_line": {
        "en": "VAT {rate} of {base}",
        "nb": "Mva. {rate} av {base}",
        "sv": "Moms {rate} på {base}",
        "da": "Moms {rate} af {base}",
        "de": "MwSt. {rate} auf {base}",
    },
    "rounding": {
        "en": "Rounding",
        "nb": "Øreavrunding",
        "sv": "Öresavrundning",
        "da": "Afrunding",
        "de": "Rundung",
    },
    "total": {"en": "Total", "nb": "Totalt", "sv": "Totalt", "da": "I alt", "de": "Gesamtbetrag"},
    "paid_so_far": {
        "en": "Already paid",
        "nb": "Allerede betalt",
        "sv": "Redan betalt",
        "da": "Allerede betalt",
        "de": "Bereits bezahlt",
    },
    "amount_due": {
        "en": "Amount due",
        "nb": "Å betale",
        "sv": "Att betala",
        "da": "At betale",
        "de": "Zu zahlen",
    },
    "invoice_date": {
        "en": "Invoice date",
        "nb": "Fakturadato",
        "sv": "Fakturadatum",
        "da": "Fakturadato",
        "de": "Rechnungsdatum",
    },
    "due_date": {
        "en": "Due date",
        "nb": "Forfallsdato",
        "sv": "Förfallodatum",
        "da": "Forfaldsdato",
        "de": "Fällig am",
    },
    "kid": {
        "en": "Payment reference (KID)",
        "nb": "KID",
        "sv": "Betalningsreferens (KID)",
        "da": "Betalingsreference (KID)",
        "de": "Zahlungsreferenz (KID)",
    },
    "card_heading": {
        "en": "Pay by card",
        "nb": "Betal med kort",
        "sv": "Betala med kort",
        "da": "Betal med kort",
        "de": "Mit Karte bezahlen",
    },
    "card_number": {
        "en": "Card number",
        "nb": "Kortnummer",
        "sv": "Kortnummer",
        "da": "Kortnummer",
        "de": "Kartennummer",
    },
    "card_expiry": {
        "en": "Expiry date (MM/YY)",
        "nb": "Utløpsdato (MM/ÅÅ)",
        "sv": "Utgångsdatum (MM/ÅÅ)",
        "da": "Udløbsdato (MM/ÅÅ)",
        "de": "Ablaufdatum (MM/JJ)",
    },
    "card_expiry_placeholder": {"en": "MM/YY", "nb": "MM/ÅÅ", "sv": "MM/ÅÅ", "da": "MM/ÅÅ", "de": "MM/JJ"},
    "card_cvc": {"en": "CVC", "nb": "CVC", "sv": "CVC", "da": "CVC", "de": "Prüfnummer (CVC)"},
    "card_name": {
        "en": "Name on card",
        "nb": "Navn på kortet",
        "sv": "Namn på kortet",
        "da": "Navn på kortet",
        "de": "Name auf der Karte",
    },
    "pay_button": {
        "en": "Pay {amount}",
        "nb": "Betal {amount}",
        "sv": "Betala {amount}",
        "da": "Betal {amount}",
        "de": "{amount} bezahlen",
    },
    "cancel_button": {
        "en": "Cancel payment",
        "nb": "Avbryt betalingen",
        "sv": "Avbryt betalningen",
        "da": "Annuller betalingen",
        "de": "Zahlung abbrechen",
    },
    "card_never_stored": {
        "en": "Your card number is never stored.",
        "nb": "Kortnummeret ditt blir aldri lagret.",
        "sv": "Ditt kortnummer sparas aldrig.",
        "da": "Dit kortnummer bliver aldrig gemt.",
        "de": "Ihre Kartennummer wird nie gespeichert.",
    },
    "save_card_consent": {
        "en": "Your card will be saved: {merchant} may charge it for later payments without you being "
        "present.",
        "nb": "Kortet ditt blir lagret: {merchant} kan belaste det for senere betalinger uten at du er "
        "til stede.",
        "sv": "Ditt kort sparas: {merchant} kan debitera det för senare betalningar utan att du är "
        "närvarande.",
        "da": "Dit kort bliver gemt: {merchant} kan trække senere betalinger på det, uden at du er til "
        "stede.",
        "de": "Ihre Karte wird gespeichert: {merchant} kann sie für spätere Zahlungen belasten, ohne dass "
        "Sie dabei sind.",
    },
    "test_mode": {
        "en": (
            "Test mode: no money is moved. Use card 4242 4242 4242 4242, any future expiry date and any CVC."
        ),
        "nb": (
            "Testmodus: ingen penger blir trukket. Bruk kort 4242 4242 4242 4242, "
            "en utløpsdato fram i tid og en hvilken som helst CVC."
        ),
        "sv": (
            "Testläge: inga pengar dras. Använd kort 4242 4242 4242 4242, "
            "ett utgångsdatum i framtiden och valfri CVC."
        ),
        "da": (
            "Testtilstand: der trækkes ingen penge. Brug kort 4242 4242 4242 4242, "
            "en udløbsdato i fremtiden og en vilkårlig CVC."
        ),
        "de": (
            "Testmodus: Es wird kein Geld bewegt. Verwenden Sie die Karte 4242 4242 4242 4242, "
            "ein Ablaufdatum in der Zukunft und eine beliebige Prüfnummer."
        ),
    },
    "form_has_errors": {
        "en": "Check the fields marked below.",
        "nb": "Kontroller feltene som er merket nedenfor.",
        "sv": "Kontrollera de markerade fälten nedan.",
        "da": "Kontrollér de markerede felter nedenfor.",
        "de": "Bitte prüfen Sie die markierten Felder.",
    },
    "error_card_number": {
        "en": "Enter a valid card number.",
        "nb": "Skriv inn et gyldig kortnummer.",
        "sv": "Ange ett giltigt kortnummer.",
        "da": "Indtast et gyldigt kortnummer.",
        "de": "Geben Sie eine gültige Kartennummer ein.",
    },
    "error_expiry": {
        "en": "Enter the expiry date as MM/YY.",
        "nb": "Skriv inn utløpsdatoen som MM/ÅÅ.",
        "sv": "Ange utgångsdatumet som MM/ÅÅ.",
        "da": "Indtast udløbsdatoen som MM/ÅÅ.",
        "de": "Geben Sie das Ablaufdatum als MM/JJ ein.",
    },
    "error_card_expired": {
        "en": "The card has expired.",
        "nb": "Kortet er utløpt.",
        "sv": "Kortet har gått ut.",
        "da": "Kortet er udløbet.",
        "de": "Die Karte ist abgelaufen.",
    },
    "error_cvc": {
        "en": "Enter the 3 or 4 digit security code.",
        "nb": "Skriv inn den 3- eller 4-sifrede sikkerhetskoden.",
        "sv": "Ange den 3- eller 4-siffriga säkerhetskoden.",
        "da": "Indtast den 3- eller 4-cifrede sikkerhedskode.",
        "de": "Geben Sie die 3- oder 4-stellige Prüfnummer ein.",
    },
    "error_name": {
        "en": "Enter the name on the card.",
        "nb": "Skriv inn navnet på kortet.",
        "sv": "Ange namnet på kortet.",
        "da": "Indtast navnet på kortet.",
        "de": "Geben Sie den Namen auf der Karte ein.",
    },
    "decline_generic": {
        "en": "The card was declined. Try again or use another card.",
        "nb": "Kortet ble avvist. Prøv igjen eller bruk et annet kort.",
        "sv": "Kortet nekades. Försök igen eller använd ett annat kort.",
        "da": "Kortet blev afvist. Prøv igen, eller brug et andet kort.",
        "de": "Die Karte wurde abgelehnt. Versuchen Sie es erneut oder verwenden Sie eine andere Karte.",
    },
    "decline_insufficient_funds": {
        "en": "The card has insufficient funds. Use another card.",
        "nb": "Det er ikke nok dekning på kortet. Bruk et annet kort.",
        "sv": "Det finns inte tillräckligt med pengar på kortet. Använd ett annat kort.",
        "da": "Der er ikke dækning nok på kortet. Brug et andet kort.",
        "de": "Die Karte ist nicht ausreichend gedeckt. Verwenden Sie eine andere Karte.",
    },
    "decline_expired_card": {
        "en": "The card has expired. Use another card.",
        "nb": "Kortet er utløpt. Bruk et annet kort.",
        "sv": "Kortet har gått ut. Använd ett annat kort.",
        "da": "Kortet er udløbet. Brug et andet kort.",
        "de": "Die Karte ist abgelaufen. Verwenden Sie eine andere Karte.",
    },
    "decline_incorrect_cvc": {
        "en": "The security code is incorrect. Check it and try again.",
        "nb": "Sikkerhetskoden er feil. Kontroller den og prøv igjen.",
        "sv": "Säkerhetskoden är felaktig. Kontrollera den och försök igen.",
        "da": "Sikkerhedskoden er forkert. Kontrollér den, og prøv igen.",
        "de": "Die Prüfnummer ist falsch. Prüfen Sie sie und versuchen Sie es erneut.",
    },
    "decline_incorrect_number": {
        "en": "The card number is incorrect. Check it and try again.",
        "nb": "Kortnummeret er feil. Kontroller det og prøv igjen.",
        "sv": "Kortnumret är felaktigt. Kontrollera det och försök igen.",
        "da": "Kortnummeret er forkert. Kontrollér det, og prøv igen.",
        "de": "Die Kartennummer ist falsch. Prüfen Sie sie und versuchen Sie es erneut.",
    },
    "decline_lost_or_stolen": {
        "en": "The card cannot be used. Use another card.",
        "nb": "Kortet kan ikke brukes. Bruk et annet kort.",
        "sv": "Kortet kan inte användas. Använd ett annat kort.",
        "da": "Kortet kan ikke bruges. Brug et andet kort.",
        "de": "Die Karte kann nicht verwendet werden. Verwenden Sie eine andere Karte.",
    },
    "decline_processing_error": {
        "en": "The payment could not be processed. Try again.",
        "nb": "Betalingen kunne ikke behandles. Prøv igjen.",
        "sv": "Betalningen kunde inte genomföras. Försök igen.",
        "da": "Betalingen kunne ikke gennemføres. Prøv igen.",
        "de": "Die Zahlung konnte nicht verarbeitet werden. Bitte versuchen Sie es erneut.",
    },
    "decline_authentication_failed": {
        "en": "The card could not be verified with 3-D Secure. Try again or use another card.",
        "nb": "Kortet kunne ikke bekreftes med 3-D Secure. Prøv igjen eller bruk et annet kort.",
        "sv": "Kortet kunde inte verifieras med 3-D Secure. Försök igen eller använd ett annat kort.",
        "da": "Kortet kunne ikke bekræftes med 3-D Secure. Prøv igen, eller brug et andet kort.",
        "de": (
            "Die Karte konnte nicht mit 3-D Secure bestätigt werden. "
            "Versuchen Sie es erneut oder verwenden Sie eine andere Karte."
        ),
    },
    "challenge_title": {
        "en": "Confirm the payment",
        "nb": "Bekreft betalingen",
        "sv": "Bekräfta betalningen",
        "da": "Bekræft betalingen",
        "de": "Zahlung bestätigen",
    },
    "challenge_body": {
        "en": "Your card issuer asks you to confirm the payment of {amount} to {merchant}.",
        "nb": "Kortutstederen ber deg bekrefte betalingen på {amount} til {merchant}.",
        "sv": "Din kortutgivare ber dig bekräfta betalningen på {amount} till {merchant}.",
        "da": "Din kortudsteder beder dig bekræfte betalingen på {amount} til {merchant}.",
        "de": "Ihr Kartenherausgeber bittet Sie, die Zahlung von {amount} an {merchant} zu bestätigen.",
    },
    "challenge_test_note": {
        "en": "Test gateway: choose whether the 3-D Secure check succeeds.",
        "nb": "Testgateway: velg om 3-D Secure-kontrollen skal lykkes.",
        "sv": "Testgateway: välj om 3-D Secure-kontrollen ska lyckas.",
        "da": "Testgateway: vælg, om 3-D Secure-kontrollen skal lykkes.",
        "de": "Test-Gateway: Wählen Sie, ob die 3-D-Secure-Prüfung gelingt.",
    },
    "challenge_approve": {
        "en": "Approve",
        "nb": "Godkjenn",
        "sv": "Godkänn",
        "da": "Godkend",
        "de": "Bestätigen",
    },
    "challenge_fail": {
        "en": "Fail authentication",
        "nb": "Avvis bekreftelsen",
        "sv": "Underkänn verifieringen",
        "da": "Afvis godkendelsen",
        "de": "Authentifizierung ablehnen",
    },
    "card_ending": {
        "en": "Card ending in {last4}",
        "nb": "Kort som slutter på {last4}",
        "sv": "Kort som slutar på {last4}",
        "da": "Kort, der ender på {last4}",
        "de": "Karte mit den Endziffern {last4}",
    },
    "paid_title": {"en": "Paid", "nb": "Betalt", "sv": "Betald", "da": "Betalt", "de": "Bezahlt"},
    "paid_body": {
        "en": "Thank you! This has been paid and cannot be paid again.",
        "nb": "Takk! Dette er betalt og kan ikke betales på nytt.",
        "sv": "Tack! Detta är betalt och kan inte betalas igen.",
        "da": "Tak! Dette er betalt og kan ikke betales igen.",
        "de": "Vielen Dank! Dies ist bezahlt und kann nicht erneut bezahlt werden.",
    },
    "receipt_amount": {
        "en": "{amount} paid to {merchant}.",
        "nb": "{amount} er betalt til {merchant}.",
        "sv": "{amount} har betalats till {merchant}.",
        "da": "{amount} er betalt til {merchant}.",
        "de": "{amount} an {merchant} bezahlt.",
    },
    "paid_on": {
        "en": "Paid on {date}",
        "nb": "Betalt {date}",
        "sv": "Betald {date}",
        "da": "Betalt den {date}",
        "de": "Bezahlt am {date}",
    },
    "reference": {
        "en": "Reference",
        "nb": "Referanse",
        "sv": "Referens",
        "da": "Reference",
        "de": "Referenz",
    },
    "cancelled_title": {
        "en": "Cancelled",
        "nb": "Kansellert",
        "sv": "Makulerad",
        "da": "Annulleret",
        "de": "Storniert",
    },
    "cancelled_body": {
        "en": "This payment has been cancelled and can no longer be paid.",
        "nb": "Denne betalingen er kansellert og kan ikke lenger betales.",
        "sv": "Den här betalningen har makulerats och kan inte längre betalas.",
        "da": "Denne betaling er annulleret og kan ikke længere betales.",
        "de": "Diese Zahlung wurde storniert und kann nicht mehr bezahlt werden.",
    },
    "payer_cancelled_title": {
        "en": "Payment cancelled",
        "nb": "Betalingen er avbrutt",
        "sv": "Betalningen avbröts",
        "da": "Betalingen er afbrudt",
        "de": "Zahlung abgebrochen",
    },
    "payer_cancelled_body": {
        "en": "You cancelled the payment. Nothing was charged.",
        "nb": "Du avbrøt betalingen. Ingenting ble trukket.",
        "sv": "Du avbröt betalningen. Inget har dragits.",
        "da": "Du afbrød betalingen. Der blev ikke trukket noget.",
        "de": "Sie haben die Zahlung abgebrochen. Es wurde nichts belastet.",
    },
    "expired_title": {
        "en": "Expired",
        "nb": "Utløpt",
        "sv": "Utgången",
        "da": "Udløbet",
        "de": "Abgelaufen",
    },
    "expired_body": {
        "en": "This payment link has expired and can no longer be paid. Contact {merchant} for a new one.",
        "nb": (
            "Denne betalingslenken er utløpt og kan ikke lenger betales. Kontakt {merchant} for å få en ny."
        ),
        "sv": (
            "Den här betalningslänken har gått ut och kan inte längre betalas. "
            "Kontakta {merchant} för att få en ny."
        ),
        "da": (
            "Dette betalingslink er udløbet og kan ikke længere betales. Kontakt {merchant} for at få et nyt."
        ),
        "de": (
            "Dieser Zahlungslink ist abgelaufen und kann nicht mehr bezahlt werden. "
            "Bitten Sie {merchant} um einen neuen."
        ),
    },
    "failed_title": {
        "en": "Payment failed",
        "nb": "Betalingen mislyktes",
        "sv": "Betalningen misslyckades",
        "da": "Betalingen mislykkedes",
        "de": "Zahlung fehlgeschlagen",
    },
    "failed_body": {
        "en": "The payment could not be completed, and this link can no longer be used. Contact {merchant}.",
        "nb": "Betalingen kunne ikke fullføres, og denne lenken kan ikke lenger brukes. Kontakt {merchant}.",
        "sv": "Betalningen kunde inte slutföras, och länken kan inte längre användas. Kontakta {merchant}.",
        "da": "Betalingen kunne ikke gennemføres, og linket kan ikke længere bruges. Kontakt {merchant}.",
        "de": (
            "Die Zahlung konnte nicht abgeschlossen werden, "
            "und dieser Link kann nicht mehr verwendet werden. Wenden Sie sich an {merchant}."
        ),
    },
    "continue_to_merchant": {
        "en": "Return to {merchant}",
        "nb": "Tilbake til {merchant}",
        "sv": "Tillbaka till {merchant}",
        "da": "Tilbage til {merchant}",
        "de": "Zurück zu {merchant}",
    },
    "processing_title": {
        "en": "Payment in progress",
        "nb": "Betalingen behandles",
        "sv": "Betalningen behandlas",
        "da": "Betalingen behandles",
        "de": "Zahlung wird verarbeitet",
    },
    "processing_body": {
        "en": "The payment is being processed. You can close this page; {merchant} will be told the outcome.",
        "nb": "Betalingen behandles. Du kan lukke denne siden; {merchant} får beskjed om utfallet.",
        "sv": "Betalningen behandlas. Du kan stänga sidan; {merchant} får besked om resultatet.",
        "da": "Betalingen behandles. Du kan lukke siden; {merchant} får besked om resultatet.",
        "de": (
            "Die Zahlung wird verarbeitet. Sie können diese Seite schließen; "
            "{merchant} wird über das Ergebnis informiert."
        ),
    },
    "not_payable_title": {
        "en": "Not ready for payment",
        "nb": "Ikke klar for betaling",
        "sv": "Inte redo för betalning",
        "da": "Ikke klar til betaling",
        "de": "Noch nicht zahlbar",
    },
    "not_payable_body": {
        "en": "This cannot be paid yet. Contact {merchant} if you think it should be.",
        "nb": "Dette kan ikke betales ennå. Kontakt {merchant} hvis du mener det burde kunne betales.",
        "sv": "Detta kan inte betalas ännu. Kontakta {merchant} om du anser att det borde gå.",
        "da": "Dette kan ikke betales endnu. Kontakt {merchant}, hvis du mener, at det burde kunne betales.",
        "de": "Dies kann noch nicht bezahlt werden. Wenden Sie sich an {merchant}, falls das nicht stimmt.",
    },
    "not_found_title": {
        "en": "Payment link not found",
        "nb": "Fant ikke betalingslenken",
        "sv": "Betalningslänken hittades inte",
        "da": "Betalingslinket blev ikke fundet",
        "de": "Zahlungslink nicht gefunden",
    },
    "not_found_body": {
        "en": "Check that the address is complete, or ask the seller for a new link.",
        "nb": "Sjekk at adressen er fullstendig, eller be selgeren om en ny lenke.",
        "sv": "Kontrollera att adressen är fullständig, eller be säljaren om en ny länk.",
        "da": "Kontrollér, at adressen er fuldstændig, eller bed sælgeren om et nyt link.",
        "de": (
            "Prüfen Sie, ob die Adresse vollständig ist, oder bitten Sie den Verkäufer um einen neuen Link."
        ),
    },
    "forbidden_title": {
        "en": "The form has expired",
        "nb": "Skjemaet er utløpt",
        "sv": "Formuläret har gått ut",
        "da": "Formularen er udløbet",
        "de": "Das Formular ist abgelaufen",
    },
    "forbidden_body": {
        "en": (
            "For your security the form could not be accepted, and nothing was charged. "
            "Open the payment page again and retry."
        ),
        "nb": (
            "Av sikkerhetshensyn kunne ikke skjemaet tas imot, og ingenting ble trukket. "
            "Åpne betalingssiden på nytt og prøv igjen."
        ),
        "sv": (
            "Av säkerhetsskäl kunde formuläret inte tas emot, och inget har dragits. "
            "Öppna betalningssidan igen och försök på nytt."
        ),
        "da": (
            "Af sikkerhedshensyn kunne formularen ikke modtages, og der er ikke trukket noget. "
            "Åbn betalingssiden igen, og prøv på ny."
        ),
        "de": (
            "Aus Sicherheitsgründen konnte das Formular nicht angenommen werden; es wurde nichts belastet. "
            "Öffnen Sie die Zahlungsseite erneut und versuchen Sie es noch einmal."
        ),
    },
    "error_title": {
        "en": "Something went wrong",
        "nb": "Noe gikk galt",
        "sv": "Något gick fel",
        "da": "Noget gik galt",
        "de": "Etwas ist schiefgelaufen",
    },
    "error_body": {
        "en": "The page could not be shown. Try again in a moment.",
        "nb": "Siden kunne ikke vises. Prøv igjen om litt.",
        "sv": "Sidan kunde inte visas. Försök igen om en stund.",
        "da": "Siden kunne ikke vises. Prøv igen om lidt.",
        "de": "Die Seite konnte nicht angezeigt werden. Versuchen Sie es gleich noch einmal.",
    },
    "back_to_payment": {
        "en": "Back to the payment page",
        "nb": "Tilbake til betalingssiden",
        "sv": "Tillbaka till betalningssidan",
        "da": "Tilbage til betalingssiden",
        "de": "Zurück zur Zahlungsseite",
    },
}
