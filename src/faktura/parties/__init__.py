"""What the seller and the buyer of a document share: postal addresses and the identifiers, contact data
and languages of a party, validated and normalised once for merchants and customers alike."""
