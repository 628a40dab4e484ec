"""County reports: the compliance report page and its PDF, and the offline folium map export."""
